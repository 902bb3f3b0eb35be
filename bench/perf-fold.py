#!/usr/bin/env python3
"""Folds `perf script` output into collapsed stacks ("root;...;leaf count" lines).

   perf script -i perf.data | bench/perf-fold.py > server.folded

Each perf sample becomes one line: the thread name as the root frame, then the call chain from
the outermost frame to the leaf, with "+0x..." offsets and argument lists dropped so that
samples of one function fold together. Identical stacks are summed.
"""
import re
import sys
from collections import Counter


def frame_name(line: str) -> str:
    # "    7f12ab34 flamedb::head::Head::Append(...)+0x1f (/path/flamedb)"
    parts = line.strip().split(None, 1)
    name = parts[1] if len(parts) > 1 else parts[0]
    name = re.sub(r"\s+\([^()]*\)$", "", name)  # The (dso) suffix.
    name = re.sub(r"\+0x[0-9a-f]+$", "", name)
    if name == "[unknown]":
        return name
    depth, out = 0, []
    for ch in name:  # Drops argument lists, keeping template arguments.
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out).strip().replace(";", ":") or name


def main() -> None:
    stacks: Counter = Counter()
    thread, frames = None, []
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if not line.strip():
            if thread is not None and frames:
                stacks[";".join([thread] + frames[::-1])] += 1
            thread, frames = None, []
            continue
        if not raw[0].isspace():
            thread = line.split()[0].replace(";", ":")  # "comm pid/tid time: period event:"
            frames = []
        else:
            frames.append(frame_name(line))
    if thread is not None and frames:
        stacks[";".join([thread] + frames[::-1])] += 1
    for stack, n in stacks.most_common():
        print(f"{stack} {n}")


if __name__ == "__main__":
    main()
