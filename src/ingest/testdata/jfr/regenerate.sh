#!/usr/bin/env bash
# Rebuilds the JFR recordings that the C++ unit tests read, and their expected numbers, from the
# Java programs of tests/integration/fixtures/java run under the JDK's own Flight Recorder:
#
#   src/ingest/testdata/jfr/regenerate.sh
#
# Files (each recording < 150 KB; a JDK 17 chunk carries ~96 KB of metadata):
#   jdk-events.jfr          JfrWorkload cpu,alloc,monitor,park for 0.8 s, one chunk, with only the
#                           JDK events flamedb maps enabled (jdk.ExecutionSample every 10 ms,
#                           jdk.ObjectAllocationInNewTLAB/OutsideTLAB, jdk.ObjectAllocationSample
#                           300/s, jdk.JavaMonitorEnter and jdk.ThreadPark above 10 ms, all with
#                           stack traces). Some JVM-internal TLAB events have an empty stack
#                           trace (non-null, no frames).
#   wallclock.jfr           ProfilerEvents 30: 180 custom profiler.WallClockSample events (fields
#                           samples, contextId, spanId, spanName) from three methods, 18 of them
#                           with a null stack trace (three rounds with stack traces off); no JDK
#                           events, not even jdk.ActiveSetting (so no "event" setting: with it
#                           the file would pass 150 KB).
#   wallclock.labels.pb     the LabelsSnapshot (pyroscope-java's `labels` part, not gzipped) for
#                           wallclock.jfr's context, span-name ids: contexts 1 and 2 → endpoint and
#                           region labels, strings 100/101 → span names.
#   multichunk.jfr.gz       gzip of two recordings concatenated (two chunks: JfrWorkload cpu,monitor
#                           0.6 s; ProfilerEvents 12), different metadata in each chunk.
#   <name>.expected.json    from `jfr print --json` via expected.mjs: per event type the number
#                           of events, of null and of empty stack traces, of events with a stack
#                           trace, and sums over the latter (tlabSize, allocationSize, weight,
#                           durationNanos, samples, per contextId for wall samples); then the
#                           totals per profile type id and per leaf frame ("class.method", class
#                           names with slashes) at sampleRate 100 (period 10,000,000 ns).
#                           multichunk's numbers are the sum of its two parts, each read alone.
#
# Needs java, javac and jfr (Java 17: apt-get install -y openjdk-17-jdk-headless), node and gzip.
# The recordings differ from run to run; commit them together with their .expected.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
java_src="$repo/tests/integration/fixtures/java"
rate=100
max_bytes=153600

for tool in java javac jfr node gzip; do
	command -v "$tool" >/dev/null || { echo "regenerate.sh: $tool is missing" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

javac -d "$tmp/classes" "$java_src/JfrWorkload.java" "$java_src/ProfilerEvents.java"

# The .jfc files: only the mapped JDK events (written by the tests' helper), and none at all.
node --input-type=module -e "
  const { writeJfc } = await import('$repo/tests/integration/lib/jfr.mjs');
  await writeJfc('$tmp/mapped.jfc', { periodMs: 10, thresholdMs: 10 });
"
cat >"$tmp/none.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="none" description="No JDK events; custom events keep their defaults"/>
EOF

rec() {  # rec OUT SETTINGS MAIN ARGS...
	local out="$1" settings="$2" main="$3"
	shift 3
	java "-XX:StartFlightRecording=filename=$out,settings=$settings" -Xlog:jfr+startup=off \
		-cp "$tmp/classes" "$main" "$@" >"$out.log"
}

rec "$tmp/jdk-events.jfr" "$tmp/mapped.jfc" JfrWorkload cpu,alloc,monitor,park 0.8
rec "$tmp/wallclock.jfr" "$tmp/none.jfc" ProfilerEvents 30
rec "$tmp/part1.jfr" "$tmp/mapped.jfc" JfrWorkload cpu,monitor 0.6
rec "$tmp/part2.jfr" "$tmp/none.jfc" ProfilerEvents 12

for f in jdk-events wallclock; do
	size=$(stat -c %s "$tmp/$f.jfr")
	[ "$size" -lt "$max_bytes" ] || { echo "regenerate.sh: $f.jfr is $size bytes (limit $max_bytes)" >&2; exit 1; }
done

node "$here/expected.mjs" --name jdk-events.jfr --rate "$rate" "$tmp/jdk-events.jfr" >"$tmp/jdk-events.expected.json"
node "$here/expected.mjs" --name wallclock.jfr --rate "$rate" --labels "$tmp/wallclock.jfr" >"$tmp/wallclock.expected.json"
node "$here/expected.mjs" --name multichunk.jfr.gz --rate "$rate" "$tmp/part1.jfr" "$tmp/part2.jfr" >"$tmp/multichunk.expected.json"
node --input-type=module -e "
  const { writeFileSync } = await import('node:fs');
  const { encodeLabelsSnapshot, PROFILER_EVENTS_LABELS } = await import('$repo/tests/integration/lib/jfr.mjs');
  writeFileSync('$tmp/wallclock.labels.pb', encodeLabelsSnapshot(PROFILER_EVENTS_LABELS.snapshot));
"
cat "$tmp/part1.jfr" "$tmp/part2.jfr" | gzip -9n >"$tmp/multichunk.jfr.gz"
size=$(stat -c %s "$tmp/multichunk.jfr.gz")
[ "$size" -lt "$max_bytes" ] || { echo "regenerate.sh: multichunk.jfr.gz is $size bytes" >&2; exit 1; }

cp "$tmp"/jdk-events.jfr "$tmp"/wallclock.jfr "$tmp"/wallclock.labels.pb "$tmp"/multichunk.jfr.gz \
	"$tmp"/jdk-events.expected.json "$tmp"/wallclock.expected.json "$tmp"/multichunk.expected.json "$here/"
ls -l "$here"
