#!/usr/bin/env python3
"""Folds `perf script` output into collapsed stacks ("root;...;leaf count" lines).

   perf script -i perf.data | bench/perf-fold.py > server.folded

Each perf sample becomes one line: the thread name as the root frame, then the call chain from
the outermost frame to the leaf, with "+0x..." offsets and argument lists dropped and template
arguments shortened to "<>", so that samples of one function fold together and the names stay
readable (full C++ template names would also push the profile past the server's 4 MiB limit). Identical stacks are summed.
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
    depth, angle, out = 0, 0, []
    for ch in name:  # Drops argument lists and shortens template arguments to <>.
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth > 0:
            continue
        elif ch == "<":
            angle += 1
            if angle == 1:
                out.append("<>")
        elif ch == ">":
            angle = max(0, angle - 1)
        elif angle == 0:
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
