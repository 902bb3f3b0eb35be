// Java Flight Recorder helpers for the JFR ingest tests: compile the Java programs of
// fixtures/java, run them under -XX:StartFlightRecording, and compute what the server must store
// for a recording from the JDK's own reader (`jfr print --json`, `jfr summary`), never from a
// JFR parser of ours. Also the few byte-level facts the bad-input tests need to break a real
// recording on purpose (chunk header fields, the last checkpoint, the metadata string table), and
// the LabelsSnapshot protobuf that pyroscope-java uploads as the `labels` part.
//
// Needs Java 17 (java, javac, jfr): `apt-get install -y openjdk-17-jdk-headless`.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { integrationDir } from './paths.mjs';
import { cat, fBytes, fMsg, fVarint } from './protowire.mjs';

const execFileAsync = promisify(execFile);

export const javaFixturesDir = path.join(integrationDir, 'fixtures', 'java');
export const JAVA_SOURCES = ['JfrWorkload.java', 'ProfilerEvents.java'];

/** Profile type ids the server stores JFR events under (metric:type:unit:periodType:periodUnit). */
export const PT = Object.freeze({
  cpu: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
  wall: 'wall:wall:nanoseconds:wall:nanoseconds',
  tlabObjects: 'memory:alloc_in_new_tlab_objects:count:space:bytes',
  tlabBytes: 'memory:alloc_in_new_tlab_bytes:bytes:space:bytes',
  outsideObjects: 'memory:alloc_outside_tlab_objects:count:space:bytes',
  outsideBytes: 'memory:alloc_outside_tlab_bytes:bytes:space:bytes',
  sampleObjects: 'memory:alloc_sample_objects:count:space:bytes',
  sampleBytes: 'memory:alloc_sample_bytes:bytes:space:bytes',
  mutexCount: 'mutex:contentions:count:mutex:count',
  mutexDelay: 'mutex:delay:nanoseconds:mutex:count',
  blockCount: 'block:contentions:count:block:count',
  blockDelay: 'block:delay:nanoseconds:block:count',
  live: 'memory:live:count:objects:count',
  mallocObjects: 'memory:malloc_objects:count::',
  mallocBytes: 'memory:malloc_bytes:bytes::',
});

/** The JFR event types the server maps to profiles. */
export const MAPPED_EVENTS = Object.freeze([
  'jdk.ExecutionSample', 'profiler.WallClockSample', 'jdk.ObjectAllocationInNewTLAB',
  'jdk.ObjectAllocationOutsideTLAB', 'jdk.ObjectAllocationSample', 'jdk.JavaMonitorEnter', 'jdk.ThreadPark',
]);

/** The mapped event types only async-profiler writes, besides profiler.WallClockSample. */
export const ASYNC_PROFILER_EVENTS = Object.freeze(['profiler.LiveObject', 'profiler.Malloc']);

/** `__name__` of a profile type id. */
export const metricOf = (profileTypeId) => profileTypeId.split(':')[0];

/** period = ⌊1e9 / sampleRate⌋ ns, as the server computes it. */
export const periodOf = (sampleRate) => 1_000_000_000n / BigInt(sampleRate);

// ---------------------------------------------------------------------------------------------
// Running Java.

async function run(cmd, args, { timeoutMs = 60_000, cwd } = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20, cwd });
    return { stdout, stderr };
  } catch (err) {
    if (err.code === 'ENOENT') {
      throw new Error(`${cmd} is not installed: the JFR tests need Java 17 (apt-get install -y openjdk-17-jdk-headless)`);
    }
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.killed ? 'timed out' : `exit ${err.code}`}):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** Compiles fixtures/java/*.java into outDir (javac -d). Resolves outDir. */
export async function compileJava(outDir) {
  await run('javac', ['-d', outDir, ...JAVA_SOURCES.map((f) => path.join(javaFixturesDir, f))], { timeoutMs: 120_000 });
  return outDir;
}

/**
 * A .jfc (JFR settings file) for the events the server maps that settings=profile leaves off or
 * sets differently: the TLAB events (off in profile.jfc), and the sampling period and the lock
 * thresholds spelled out so the test knows them. Given after settings=profile, it overrides it.
 */
export function mappedEventsJfc({ periodMs = 10, thresholdMs = 10, allocThrottle = '300/s' } = {}) {
  const ev = (name, settings) => `  <event name="${name}">\n${Object.entries(settings)
    .map(([k, v]) => `    <setting name="${k}">${v}</setting>`).join('\n')}\n  </event>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="flamedb-tests" description="The JFR events flamedb maps to profiles">
${[
    ev('jdk.ExecutionSample', { enabled: 'true', period: `${periodMs} ms` }),
    ev('jdk.ObjectAllocationInNewTLAB', { enabled: 'true', stackTrace: 'true' }),
    ev('jdk.ObjectAllocationOutsideTLAB', { enabled: 'true', stackTrace: 'true' }),
    ev('jdk.ObjectAllocationSample', { enabled: 'true', throttle: allocThrottle, stackTrace: 'true' }),
    ev('jdk.JavaMonitorEnter', { enabled: 'true', threshold: `${thresholdMs} ms`, stackTrace: 'true' }),
    ev('jdk.ThreadPark', { enabled: 'true', threshold: `${thresholdMs} ms`, stackTrace: 'true' }),
  ].join('\n')}
</configuration>
`;
}

/** Writes mappedEventsJfc(opts) to file; resolves the path. */
export async function writeJfc(file, opts) {
  await writeFile(file, mappedEventsJfc(opts));
  return file;
}

/**
 * Runs `java -XX:StartFlightRecording=filename=<out>,settings=<s1>,settings=<s2>... -cp <classes>
 * <main> <args>` and waits for it. settings: names ('profile', 'default') or .jfc paths, later
 * ones overriding earlier ones. Resolves { file, stdout, stderr, settings } where settings holds
 * the "setting <event>#<name>=<value>" lines the program printed (JfrWorkload does).
 */
export async function record({ classesDir, out, main, args = [], settings = ['profile'], timeoutMs = 60_000 }) {
  const opts = [`filename=${out}`, ...settings.map((s) => `settings=${s}`)].join(',');
  const { stdout, stderr } = await run('java', [`-XX:StartFlightRecording=${opts}`, '-Xlog:jfr+startup=off',
    '-cp', classesDir, main, ...args.map(String)], { timeoutMs });
  const st = await stat(out);
  if (st.size < 68) throw new Error(`${main} wrote a ${st.size}-byte recording ${out}`);
  const printed = {};
  for (const m of stdout.matchAll(/^setting (\S+)=(.*)$/gm)) printed[m[1]] = m[2];
  return { file: out, stdout, stderr, settings: printed };
}

/** sampleRate (Hz) for a JFR period setting such as "10 ms" or "20 ms". */
export function sampleRateOf(period) {
  const m = /^(\d+)\s*(ns|us|ms|s)$/.exec(String(period ?? '').trim());
  if (!m) throw new Error(`unexpected jdk.ExecutionSample period ${JSON.stringify(period)}`);
  const ns = BigInt(m[1]) * { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n }[m[2]];
  if (1_000_000_000n % ns !== 0n) throw new Error(`period ${period} is not a whole number of Hz`);
  return Number(1_000_000_000n / ns);
}

// ---------------------------------------------------------------------------------------------
// What the JDK's reader says about a recording.

/**
 * `jfr summary FILE` → { chunks, counts: { eventType: n } } (the JDK's count of every event type,
 * independent of `jfr print`).
 */
export async function jfrSummary(file) {
  const { stdout } = await run('jfr', ['summary', file]);
  const chunks = Number(/^\s*Chunks:\s*(\d+)/m.exec(stdout)?.[1]);
  const counts = {};
  for (const m of stdout.matchAll(/^\s*([\w.]+)\s+(\d+)\s+(\d+)\s*$/gm)) counts[m[1]] = Number(m[2]);
  return { chunks, counts, text: stdout };
}

/**
 * `jfr print --json --stack-depth <depth> --events <types> FILE` → [{ type, values }].
 * The output goes through a file next to FILE (tens of MB for a busy recording), removed after. Integer fields that
 * can exceed 2^53 (contextId, spanId, spanName, samples, weight, tlabSize, allocationSize, size) are
 * kept exact as BigInt. What the JDK prints:
 *   - durations as java.time.Duration strings: "PT0.012345678S", "PT0S", "PT1M2.5S";
 *   - a missing stack trace as "stackTrace": null, otherwise { truncated, frames: [...] } with
 *     at most `depth` frames, leaf first; frame.method.type.name is the class name in internal
 *     form (slashes: "java/lang/Thread"), frame.method.name the method name;
 *   - jdk.ExecutionSample's state as "STATE_RUNNABLE", "STATE_SLEEPING", ...;
 *   - long fields as plain JSON numbers (negative for values with the high bit set).
 */
export async function jfrPrintEvents(file, types = MAPPED_EVENTS, { depth = 1 } = {}) {
  const jsonFile = `${file}.${process.pid}.${Date.now()}.json`;
  const out = createWriteStream(jsonFile);
  const written = new Promise((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); });
  await new Promise((resolve, reject) => {
    const p = spawn('jfr', ['print', '--json', '--stack-depth', String(depth), '--events', types.join(','), file],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.pipe(out);  // ends `out` when jfr's stdout ends
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', (e) => reject(e.code === 'ENOENT'
      ? new Error('jfr is not installed: the JFR tests need Java 17 (apt-get install -y openjdk-17-jdk-headless)') : e));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`jfr print --json ${file} exited ${code}: ${err}`))));
  });
  await written;
  const raw = await readFile(jsonFile, 'utf8');
  await rm(jsonFile, { force: true });
  const text = raw
    .replace(/("(?:contextId|spanId|spanName|samples|weight|tlabSize|allocationSize|size)": )(-?\d+)/g, '$1"$2"');
  const doc = JSON.parse(text);
  const events = doc.recording.events;
  for (const e of events) {
    for (const k of ['contextId', 'spanId', 'spanName', 'samples', 'weight', 'tlabSize', 'allocationSize', 'size']) {
      if (typeof e.values[k] === 'string') e.values[k] = BigInt(e.values[k]);
    }
  }
  return events;
}

/**
 * The values of the recording's jdk.ActiveSetting events named "event" (async-profiler's name
 * of its sampling engine; JDK recordings have none), distinct, in order of appearance.
 */
export async function eventSettingValues(file) {
  const values = [];
  for (const e of await jfrPrintEvents(file, ['jdk.ActiveSetting'], { depth: 1 })) {
    if (e.values.name === 'event' && !values.includes(e.values.value)) values.push(e.values.value);
  }
  return values;
}

/** A java.time.Duration string as printed by `jfr print --json` → BigInt nanoseconds. */
export function durationNanos(iso) {
  const m = /^(-)?PT(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,9}))?S)?$/.exec(iso);
  if (!m || iso === 'PT') throw new Error(`not a Duration: ${JSON.stringify(iso)}`);
  const [, neg, h = '0', min = '0', sneg, s = '0', frac = ''] = m;
  let ns = BigInt(h) * 3_600_000_000_000n + BigInt(min) * 60_000_000_000n;
  const secNs = BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  ns += sneg ? -secNs : secNs;
  return neg ? -ns : ns;
}

/**
 * Leaf frame name as the server names frames (docs/jfr.md "What is read from events"): the first
 * frame whose class exists; "class.method" with the class in internal form (slashes) and a
 * lambda's generated suffix merged (`Foo$$Lambda$14/0x0000000800c03000` → `Foo$$Lambda_`), or the
 * method alone for a class with an empty name (async-profiler's kernel frames). Print the events
 * with a stack depth of a few frames for recordings that have frames without a class.
 */
export function leafName(event) {
  const f = event.values.stackTrace?.frames?.find((x) => x.method?.type);
  if (!f) return null;
  const cls = f.method.type.name.replace(/\$\$Lambda(?:\$\d+)?[./](?:0x)?[0-9a-f]+$/, '$$$$Lambda_');
  return cls ? `${cls}.${f.method.name}` : f.method.name;
}

/**
 * Whether the server counts the event's stack: a null stackTrace is skipped, and so is a
 * non-null one with no frames (the JVM writes such traces, e.g. jdk.ObjectAllocationInNewTLAB
 * for a java/lang/Thread allocated while a thread starts, with eventThread null): there is no
 * frame to put the value on.
 */
export const hasStack = (e) => (e.values.stackTrace?.frames?.length ?? 0) > 0;

/**
 * What one event is worth: [[profileTypeId, BigInt value], ...] under the server's mapping, or
 * [] for an event the server skips (no stack trace or no frames; a sleeping thread's
 * ExecutionSample). eventSetting: the recording's "event" setting; under async-profiler's
 * `event=wall` every jdk.ExecutionSample is a wall sample, whatever its state.
 */
export function eventValues(e, period, eventSetting) {
  const v = e.values;
  if (!hasStack(e)) return [];
  switch (e.type) {
    case 'jdk.ExecutionSample':
      if (eventSetting === 'wall') return [[PT.wall, period]];
      return v.state === 'STATE_SLEEPING' ? [] : [[PT.cpu, period]];
    case 'profiler.WallClockSample': return [[PT.wall, v.samples * period]];
    case 'jdk.ObjectAllocationInNewTLAB': return [[PT.tlabObjects, 1n], [PT.tlabBytes, v.tlabSize]];
    case 'jdk.ObjectAllocationOutsideTLAB': return [[PT.outsideObjects, 1n], [PT.outsideBytes, v.allocationSize]];
    case 'jdk.ObjectAllocationSample': return [[PT.sampleObjects, 1n], [PT.sampleBytes, v.weight]];
    case 'jdk.JavaMonitorEnter': return [[PT.mutexCount, 1n], [PT.mutexDelay, durationNanos(v.duration)]];
    case 'jdk.ThreadPark': return [[PT.blockCount, 1n], [PT.blockDelay, durationNanos(v.duration)]];
    case 'profiler.LiveObject': return [[PT.live, 1n]];
    case 'profiler.Malloc': return [[PT.mallocObjects, 1n], [PT.mallocBytes, v.size]];
    default: return [];
  }
}

/**
 * Expected stored totals { profileTypeId: BigInt } of the events (optionally only those passing
 * `filter`), without zero entries (a profile type with nothing in it is not stored).
 */
export function expectedTotals(events, sampleRate, filter = () => true, eventSetting = undefined) {
  const period = periodOf(sampleRate);
  const out = {};
  for (const e of events) {
    if (!filter(e)) continue;
    for (const [id, v] of eventValues(e, period, eventSetting)) out[id] = (out[id] ?? 0n) + v;
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Expected self value per leaf frame name for one profile type: { profileTypeId: Map name → BigInt }.
 * (In a flame graph a sample's value is the self value of its leaf node, so summing the self
 * values of every node with a name gives these numbers.)
 */
export function expectedLeafSelf(events, sampleRate, filter = () => true, eventSetting = undefined) {
  const period = periodOf(sampleRate);
  const out = {};
  for (const e of events) {
    if (!filter(e)) continue;
    for (const [id, v] of eventValues(e, period, eventSetting)) {
      const m = (out[id] ??= new Map());
      const name = leafName(e);
      m.set(name, (m.get(name) ?? 0n) + v);
    }
  }
  return out;
}

/**
 * Per event type counts and sums, for humans and for the C++ unit tests' expected.json:
 * { type: { events, nullStackTrace, emptyStackTrace (non-null, no frames), withStackTrace,
 *   ...sums over the events with a (non-empty) stack trace } }.
 */
export function eventStats(events) {
  const out = {};
  for (const e of events) {
    const s = (out[e.type] ??= { events: 0, nullStackTrace: 0, emptyStackTrace: 0, withStackTrace: 0 });
    s.events += 1;
    if (e.values.stackTrace === null || e.values.stackTrace === undefined) s.nullStackTrace += 1;
    else if (!hasStack(e)) s.emptyStackTrace += 1;
    if (!hasStack(e)) continue;
    s.withStackTrace += 1;
    const v = e.values;
    const add = (k, x) => { s[k] = (s[k] ?? 0n) + BigInt(x); };
    switch (e.type) {
      case 'jdk.ExecutionSample': add('notSleeping', v.state === 'STATE_SLEEPING' ? 0 : 1); break;
      case 'profiler.WallClockSample': {
        add('samples', v.samples);
        const c = ((s.byContextId ??= {})[String(v.contextId)] ??= { events: 0, samples: 0n, spanIds: [], spanNames: [] });
        c.events += 1;
        c.samples += v.samples;
        const span = spanHex(v.spanId);
        if (v.spanId !== 0n && !c.spanIds.includes(span)) c.spanIds.push(span);
        if (v.spanName !== 0n && !c.spanNames.includes(String(v.spanName))) c.spanNames.push(String(v.spanName));
        break;
      }
      case 'jdk.ObjectAllocationInNewTLAB': add('tlabSize', v.tlabSize); add('allocationSize', v.allocationSize); break;
      case 'jdk.ObjectAllocationOutsideTLAB': add('allocationSize', v.allocationSize); break;
      case 'jdk.ObjectAllocationSample': add('weight', v.weight); break;
      case 'jdk.JavaMonitorEnter':
      case 'jdk.ThreadPark': add('durationNanos', durationNanos(v.duration)); break;
      default: break;
    }
  }
  return out;
}

/** A span id (signed 64-bit, as JFR stores it) as the 16 lower-case hex digits of profile_id. */
export const spanHex = (id) => BigInt.asUintN(64, BigInt(id)).toString(16).padStart(16, '0');

/** Recording time range from its chunk headers: { fromNanos, untilNanos } (BigInt, Unix ns). */
export function recordingRange(buf) {
  const cs = chunks(buf);
  const fromNanos = cs.reduce((a, c) => (c.startNanos < a ? c.startNanos : a), cs[0].startNanos);
  const untilNanos = cs.reduce((a, c) => (c.startNanos + c.durationNanos > a ? c.startNanos + c.durationNanos : a), 0n);
  return { fromNanos, untilNanos };
}

// ---------------------------------------------------------------------------------------------
// Bytes of a recording (only what the bad-input tests need to break one on purpose).

export const CHUNK_HEADER_SIZE = 68;
/** Byte offsets of the big-endian chunk header fields. */
export const HEADER = Object.freeze({ magic: 0, major: 4, minor: 6, size: 8, cpOffset: 16, metaOffset: 24,
  startNanos: 32, durationNanos: 40, startTicks: 48, ticksPerSecond: 56, flags: 64 });

/** The chunk headers of a file: [{ offset, size, cpOffset, metaOffset, startNanos, durationNanos, ticksPerSecond, major, minor }]. */
export function chunks(buf) {
  const out = [];
  for (let off = 0; off < buf.length;) {
    if (buf.length - off < CHUNK_HEADER_SIZE || buf.readUInt32BE(off) !== 0x464c5200) throw new Error(`no chunk header at ${off}`);
    const c = {
      offset: off, major: buf.readUInt16BE(off + HEADER.major), minor: buf.readUInt16BE(off + HEADER.minor),
      size: Number(buf.readBigInt64BE(off + HEADER.size)), cpOffset: Number(buf.readBigInt64BE(off + HEADER.cpOffset)),
      metaOffset: Number(buf.readBigInt64BE(off + HEADER.metaOffset)), startNanos: buf.readBigInt64BE(off + HEADER.startNanos),
      durationNanos: buf.readBigInt64BE(off + HEADER.durationNanos), ticksPerSecond: buf.readBigInt64BE(off + HEADER.ticksPerSecond),
    };
    out.push(c);
    off += c.size;
  }
  return out;
}

/** A copy of buf with the 64-bit big-endian header field at (chunkOffset + HEADER[field]) set to value. */
export function withHeaderField(buf, field, value, chunkOffset = 0) {
  const b = Buffer.from(buf);
  b.writeBigInt64BE(BigInt.asIntN(64, BigInt(value)), chunkOffset + HEADER[field]);
  return b;
}

/** JFR compressed integer at pos → { value: BigInt (unsigned 64), length }. */
export function readVarint(buf, pos) {
  let v = 0n;
  for (let i = 0; i < 9; i++) {
    const x = buf[pos + i];
    if (x === undefined) throw new Error(`varint runs past the end at ${pos}`);
    if (i === 8) return { value: v | (BigInt(x) << 56n), length: 9 };
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if (!(x & 0x80)) return { value: v, length: i + 1 };
  }
  throw new Error('unreachable');
}

/** A JFR compressed integer, padded to `width` bytes when given (as the JDK pads event sizes). */
export function writeVarint(value, width) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  for (let i = 0; i < 9; i++) {
    if (i === 8) { out.push(Number(v & 0xffn)); v = 0n; break; }
    const more = (v >> 7n) !== 0n || (width !== undefined && i + 1 < width);
    out.push(Number(v & 0x7fn) | (more ? 0x80 : 0));
    v >>= 7n;
    if (!more) break;
  }
  if (v !== 0n || (width !== undefined && out.length !== width)) throw new Error(`${value} does not fit in ${width} varint bytes`);
  return Buffer.from(out);
}

/**
 * The last checkpoint (constant-pool) event of the chunk at chunkOffset, the one the header's
 * constant-pool offset points at: the position and length of each field of its head.
 * Layout: size, type (1), start, duration, delta to the previous checkpoint, a type byte, pool
 * count, then per pool: class id, entry count, entries.
 */
export function lastCheckpoint(buf, chunkOffset = 0) {
  const [c] = chunks(buf.subarray(chunkOffset, chunkOffset + Number(buf.readBigInt64BE(chunkOffset + HEADER.size))));
  let pos = chunkOffset + c.cpOffset;
  const field = {};
  for (const name of ['size', 'type', 'start', 'duration', 'delta']) {
    const r = readVarint(buf, pos);
    field[name] = { pos, length: r.length, value: r.value };
    pos += r.length;
  }
  field.kind = { pos, length: 1, value: BigInt(buf[pos]) };
  pos += 1;
  for (const name of ['poolCount', 'classId', 'entryCount']) {
    const r = readVarint(buf, pos);
    field[name] = { pos, length: r.length, value: r.value };
    pos += r.length;
  }
  if (field.type.value !== 1n) throw new Error(`no checkpoint event at the constant-pool offset (type ${field.type.value})`);
  return { chunk: c, field };
}

/**
 * A copy of a single-chunk recording whose last checkpoint has `fieldName` (poolCount or
 * entryCount) replaced by `value` encoded in as many bytes as it needs; the checkpoint's size,
 * the chunk size and (if it lies after the checkpoint) the metadata offset are fixed up, so the
 * only lie left in the file is the count itself.
 */
export function withCheckpointCount(buf, fieldName, value) {
  const { chunk, field } = lastCheckpoint(buf);
  if (chunk.size !== buf.length) throw new Error('withCheckpointCount needs a single-chunk recording');
  if (field.poolCount.value < 1n || field.poolCount.value > 1000n) throw new Error(`implausible pool count ${field.poolCount.value}`);
  const f = field[fieldName];
  const enc = writeVarint(value);
  const grow = enc.length - f.length;
  const out = Buffer.concat([buf.subarray(0, f.pos), enc, buf.subarray(f.pos + f.length)]);
  const newSize = field.size.value + BigInt(grow);
  writeVarint(newSize, field.size.length).copy(out, field.size.pos);
  out.writeBigInt64BE(BigInt(chunk.size + grow), HEADER.size);
  if (chunk.metaOffset > chunk.cpOffset) out.writeBigInt64BE(BigInt(chunk.metaOffset + grow), HEADER.metaOffset);
  return out;
}

/**
 * Where the metadata event's string table starts: { countPos, count, firstStringPos } (the
 * metadata event is size, type 0, start, duration, metadata id, string count, strings...; each
 * string is an encoding byte — 0 null, 1 empty, 2 pool ref, 3 UTF-8, 4 char array, 5 Latin-1 —
 * then its content).
 */
export function metadataStrings(buf, chunkOffset = 0) {
  const metaOffset = Number(buf.readBigInt64BE(chunkOffset + HEADER.metaOffset));
  let pos = chunkOffset + metaOffset;
  const head = {};
  for (const name of ['size', 'type', 'start', 'duration', 'id']) {
    const r = readVarint(buf, pos);
    head[name] = r.value;
    pos += r.length;
  }
  if (head.type !== 0n) throw new Error(`no metadata event at the metadata offset (type ${head.type})`);
  const count = readVarint(buf, pos);
  const firstStringPos = pos + count.length;
  if (![3, 4, 5].includes(buf[firstStringPos])) throw new Error(`unexpected first metadata string encoding ${buf[firstStringPos]}`);
  return { countPos: pos, count: count.value, firstStringPos };
}

// ---------------------------------------------------------------------------------------------
// pyroscope-java's `labels` part.

/**
 * io.pyroscope.labels.pb.LabelsSnapshot { map<int64, Context> contexts = 1; map<int64, string>
 * strings = 2 }, Context { map<int64, int64> labels = 1 }, written by hand (map entries are
 * messages with key = 1, value = 2).
 *   contexts: { contextId: { keyStringId: valueStringId } }, strings: { id: text }
 */
export function encodeLabelsSnapshot({ contexts = {}, strings = {} }) {
  const entry = (k, v) => [fVarint(1, BigInt(k), { always: true }), v];
  return cat(
    ...Object.entries(contexts).map(([id, labels]) => fMsg(1, entry(id, fMsg(2,
      Object.entries(labels).map(([k, v]) => fMsg(1, [fVarint(1, BigInt(k), { always: true }), fVarint(2, BigInt(v), { always: true })])))))),
    ...Object.entries(strings).map(([id, s]) => fMsg(2, entry(id, fBytes(2, s)))),
  );
}

/**
 * The labels ProfilerEvents.java's events refer to (its context, span and span-name ids) and
 * what each context's labels resolve to. Context 0 (the background job) has no entry.
 */
export const PROFILER_EVENTS_LABELS = Object.freeze({
  snapshot: {
    contexts: { 1: { 1: 2, 4: 5 }, 2: { 1: 3, 4: 6 } },
    strings: { 1: 'endpoint', 2: '/checkout', 3: '/search', 4: 'region', 5: 'eu-west', 6: 'us-east', 100: 'POST /checkout', 101: 'GET /search' },
  },
  contextLabels: { 1: { endpoint: '/checkout', region: 'eu-west' }, 2: { endpoint: '/search', region: 'us-east' } },
  spans: { 1: { spanId: '5a1e00000000c0de', spanName: 'POST /checkout' }, 2: { spanId: 'f00dfeed00000001', spanName: 'GET /search' } },
});

/** Flame graph self values summed per frame name: Map name → BigInt (zero selfs left out). */
export function selfByName(fg) {
  const m = new Map();
  for (const level of fg?.levels ?? []) {
    for (let i = 0; i + 3 < level.values.length; i += 4) {
      const self = BigInt(level.values[i + 2]);
      if (self === 0n) continue;
      const name = fg.names[Number(level.values[i + 3])];
      m.set(name, (m.get(name) ?? 0n) + self);
    }
  }
  return m;
}

/** A Map name → BigInt as an object sorted by name, zero values left out (for deepEqual). */
export const mapToSortedObject = (m) =>
  Object.fromEntries([...(m ?? new Map())].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)));
