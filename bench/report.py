#!/usr/bin/env python3
"""Writes bench/run's report (markdown) from the raw outputs in OUTDIR.

   python3 bench/report.py OUTDIR > OUTDIR/report.md

The table follows design §9: each target, what this run measured, whether it is met, and
Pyroscope's reference figure; then the peers side by side and the raw outputs' locations.
"""
import json
import os
import platform
import re
import subprocess
import sys

out = sys.argv[1]


def load_json(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def text(name):
    path = os.path.join(out, name)
    return open(path).read() if os.path.exists(path) else ""


def bench(doc, prefix):
    """The first Google Benchmark entry whose name starts with `prefix`, in ms."""
    for b in (doc or {}).get("benchmarks", []):
        if b["name"].startswith(prefix) and b.get("run_type", "iteration") == "iteration":
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[b.get("time_unit", "ns")]
            return dict(b, ms=b["real_time"] * scale)
    return None


def ms(b):
    return f"{b['ms']:.1f} ms" if b else "not run"


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


rows = []  # (metric, target, measured, met, pyroscope)
mx, half, k1, disk = (load_json(f"ingest-{n}.json") for n in ("max", "half", "k1", "disk"))
if mx:
    rows.append(("Ingest rate, as fast as answered (64 connections)", ">= 1,000 profiles/s",
                 f"{mx['profiles_per_s']:.0f} profiles/s", mx["profiles_per_s"] >= 1000,
                 ""))
    rows.append(("Ingest bytes", ">= 50 MB/s compressed",
                 f"{mx['compressed_mb_per_s']:.1f} MB/s compressed ({mx['uncompressed_mb_per_s']:.0f} MB/s pprof)",
                 mx["compressed_mb_per_s"] >= 50, "about 8 MB/s per core (v2 sizing)"))
    rows.append(("Ingest samples", ">= 5 M samples/s", f"{mx['samples_per_s'] / 1e6:.2f} M samples/s",
                 mx["samples_per_s"] >= 5e6, ""))
    steal = mx.get("machine", {}).get("steal_fraction")
    stolen = f"; {100 * steal:.0f}% of the machine's CPU stolen by the hypervisor" if steal is not None else ""
    rows.append(("Server CPU at max load", "", f"{mx['server']['cores']:.2f} cores (loadgen {mx['loadgen']['cores']:.2f}){stolen}",
                 None, ""))
if half:
    rows.append((f"Ack latency at half of max load ({half['rate_target']:.0f}/s)", "p99 < 20 ms",
                 f"p50 {half['latency_ms']['p50']:.1f} ms, p99 {half['latency_ms']['p99']:.1f} ms, "
                 f"p99.9 {half['latency_ms']['p999']:.1f} ms ({half['profiles_per_s']:.0f}/s acked)",
                 half["latency_ms"]["p99"] < 20, "v2: 300-500 ms"))
if k1:
    rows.append(("Memory at 1,000 profiles/s", "<= 1 GiB RSS",
                 f"peak {k1['server']['peak_rss_mb']:.0f} MB RSS ({k1['profiles_per_s']:.0f}/s acked, "
                 f"p99 {k1['latency_ms']['p99']:.1f} ms)",
                 k1["server"]["peak_rss_mb"] <= 1073.7 and k1["profiles_per_s"] >= 950, "grows until OOM"))
storage = load_json("storage.json")
bw = bench(storage, "BM_BlockWrite")
if bw:
    rows.append(("Disk, all-in (storage benchmark: 1 h, 16 pods, Go CPU + heap)", "<= 5 B/sample",
                 f"{bw['bytes/sample']:.2f} B/sample, {bw['bytes/profile']:.0f} B/profile, "
                 f"block {bw['block_bytes'] / 1e6:.1f} MB", bw["bytes/sample"] <= 5, "8.4 B/sample"))
if disk and disk.get("bytes_per_sample"):
    rows.append(("Disk, all-in (the server's blocks after the load runs)", "<= 5 B/sample",
                 f"{disk['bytes_per_sample']:.2f} B/sample ({disk['blocks']} blocks, "
                 f"{disk['block_bytes'] / 1e6:.1f} MB, {disk['stored_samples'] / 1e6:.1f} M samples)",
                 disk["bytes_per_sample"] <= 5, "8.4 B/sample"))
query = load_json("query.json")
for name, label, target, limit, ref in [
        ("BM_FlameGraphBlocks/hour_cold", "Flame graph, 1 h, one service, cold from local disk", "< 100 ms", 100, "seconds; timeouts at 3 h"),
        ("BM_FlameGraphBlocks/hour_warm", "Flame graph, 1 h, warm", "", None, ""),
        ("BM_FlameGraphHead", "Flame graph, 1 h, from the head", "< 100 ms", 100, ""),
        ("BM_FlameGraphBlocks/day_cold_2_threads", "Flame graph, 24 h, 100 pods, cold, 2 threads", "< 1 s", 1000, "10 s+"),
        ("BM_FlameGraphBlocks/day_warm_2_threads", "Flame graph, 24 h, 100 pods, warm, 2 threads", "< 1 s", 1000, "10 s+"),
        ("BM_SelectSeries/day_cold_2_threads", "SelectSeries, 24 h, by pod, cold, 2 threads", "", None, ""),
        ("BM_SelectSeries/day_warm_2_threads", "SelectSeries, 24 h, by pod, warm, 2 threads", "", None, "")]:
    b = bench(query, name)
    if b:
        peak = f", peak +{b['peak_MB']:.0f} MB" if "peak_MB" in b else ""
        rows.append((label, target, f"{ms(b)}{peak} ({b.get('samples', 0) / 1e6:.1f} M samples)",
                     None if limit is None else b["ms"] < limit, ref))
# A running server holds every loaded block's series index in memory (it is read when the block
# is loaded, at start or cut), so a label query reads no disk: the target is on the warm and head
# figures. The cold ones re-open the blocks from an evicted page cache, which a server does once,
# at start: shown on their own row.
labels = [b for b in (query or {}).get("benchmarks", [])
          if b["name"].startswith(("BM_Label", "BM_LabelsBlocks")) and b.get("run_type", "iteration") == "iteration"]
served = [b for b in labels if "_cold" not in b["name"]]
opened = [b for b in labels if "_cold" in b["name"]]
for group, label, target, met_limit, ref in [
        (served, "Label names/values as a running server answers them (head of 10 k series; 1 h and 24 h of blocks)", "< 10 ms", 10, "slow at 67 k values"),
        (opened, "Label names/values opening the blocks from disk (1 h and 24 h, page cache evicted: what a restart costs once)", "", None, "")]:
    if group:
        worst = max(group, key=lambda b: bench(query, b["name"])["ms"])
        wb = bench(query, worst["name"])
        rows.append((label, target, f"slowest {ms(wb)} ({worst.get('label') or worst['name']})",
                     None if met_limit is None else wb["ms"] < met_limit, ref))
fh, fd = bench(query, "BM_FlameGraphBlocks/hour_cold"), bench(query, "BM_FlameGraphBlocks/day_cold/")
if fh and fd and "peak_MB" in fh:
    rows.append(("Query memory vs query size (flame graph, 1 h vs 24 h cold, 1 thread)", "never grows with query size",
                 f"peak +{fh['peak_MB']:.0f} MB vs +{fd['peak_MB']:.0f} MB for {fd['samples'] / max(fh['samples'], 1):.0f}x the samples",
                 fd["peak_MB"] <= 2 * max(fh["peak_MB"], 8), "grows until OOM"))
wr, wv = bench(storage, "BM_WalReplay/"), bench(storage, "BM_WalReplayReceived")
if wr and wv:
    rows.append(("WAL replay (storage benchmark; MB/s of the raw pprof replayed)", ">= 200 MB/s",
                 f"{wv['bytes_per_second'] / 1e6:.0f} MB/s from records holding the client's gzip payload "
                 f"(pprof pushes), {wr['bytes_per_second'] / 1e6:.0f} MB/s from records holding pprof (other formats)",
                 min(wr["bytes_per_second"], wv["bytes_per_second"]) >= 200e6, "no WAL"))
if disk:
    rows.append(("Restart after SIGKILL (the server: WAL replay to /ready)", "",
                 f"{disk['restart_ready_ms']} ms for {disk['wal_bytes'] / 1e6:.0f} MB of WAL "
                 f"({disk['replay_mb_per_s']:.0f} MB/s of WAL; "
                 f"{disk.get('replay_pprof_mb_per_s', 0):.0f} MB/s of the raw pprof it held)", None, ""))
cb = bench(storage, "BM_Compact")
if cb:
    rows.append(("Compaction (storage benchmark: 6 blocks of 10 min into one, one thread)", ">= 50 MB/s per core, <= 512 MiB",
                 f"{cb['bytes_per_second'] / 1e6:.1f} MB/s of input blocks ({cb['samples/s'] / 1e6:.1f} M samples/s), "
                 f"peak +{cb['peak_MB']:.0f} MB, {cb['input_MB']:.0f} MB in, {cb['output_MB']:.0f} MB out",
                 cb["bytes_per_second"] >= 50e6 and cb["peak_MB"] <= 512, "< 1 MB/s; 120 GiB"))

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
print("# flamedb benchmark report\n")
print(f"Machine: {os.cpu_count()} cores ({cpu}), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
      f"{platform.platform()}. Command: `bench/run`.\n")
print("| Metric | Target (design §9) | Measured | Met | Pyroscope reference |")
print("|---|---|---|---|---|")
for metric, target, measured, met, ref in rows:
    print(f"| {metric} | {target} | {measured} | {verdict(met)} | {ref} |")
print("\n## Peers side by side\n")
ivg = text("ingest-vs-go.txt")
m = re.search(r"^corpus.*$", ivg, re.M)
if m:
    print("Decoding the same pprof bytes (flamedb vs Go's github.com/google/pprof/profile):\n")
    print("```\n" + ivg.strip() + "\n```\n")
mvp = text("merge-vs-pprof.txt")
if mvp:
    print("Merging the same N profiles (flamedb vs `pprof -proto`):\n")
    print("```\n" + mvp.strip() + "\n```\n")
prof = text("profile.txt")
if prof:
    print("## The server under load, profiled\n")
    print("`perf record --call-graph dwarf` of the server under flamedb-loadgen, stored in the server as "
          "`flamedb-server` and drawn by its UI: `server-flamegraph.png`.\n")
    print("```\n" + text("server-top.txt").strip() + "\n```\n")
print("## Raw outputs\n")
for f in sorted(os.listdir(out)):
    if f.endswith((".txt", ".json", ".png", ".folded")):
        print(f"- `{f}`")
