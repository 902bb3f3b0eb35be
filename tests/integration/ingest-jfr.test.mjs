// JFR ingest (`/ingest?format=jfr`) with real Java Flight Recorder recordings: Java programs of
// fixtures/java run under -XX:StartFlightRecording (JDK events: CPU samples, allocations, monitor
// and park contention; custom events laid out like async-profiler's profiler.WallClockSample
// with context, span and span-name ids), uploaded as a raw body, a gzipped raw body and
// pyroscope-java's multipart form (gzipped `jfr` part, optional `labels` part). What the server
// stores must equal what the JDK's own reader (`jfr print --json`) says the recording holds,
// under the mapping of docs/compatibility.md: period = ⌊1e9 / sampleRate⌋ ns;
//   jdk.ExecutionSample (not STATE_SLEEPING) → process_cpu cpu = period
//   profiler.WallClockSample                 → wall = samples × period
//   jdk.ObjectAllocationInNewTLAB            → memory alloc_in_new_tlab_{objects = 1, bytes = tlabSize}
//   jdk.ObjectAllocationOutsideTLAB          → memory alloc_outside_tlab_{objects = 1, bytes = allocationSize}
//   jdk.ObjectAllocationSample               → memory alloc_sample_{objects = 1, bytes = weight}
//   jdk.JavaMonitorEnter                     → mutex contentions = 1, delay = duration (ns)
//   jdk.ThreadPark                           → block contentions = 1, delay = duration (ns)
// and events without a stack trace (null, or no frames) are skipped. Also: multi-chunk files
// (a recording the JVM rotated, and two recordings concatenated), the labels part (context labels
// as query labels, span ids for SelectMergeSpanProfile), the recording's "event" setting as the
// jfr_event label, broken recordings (400 naming JFR, nothing stored), and acknowledged JFR
// uploads surviving kill -9.
//
// Needs Java 17 (java, javac, jfr: `apt-get install -y openjdk-17-jdk-headless`). The recordings
// take ~10 s to make; nothing generated is committed.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { describe as describeRes, httpRequest } from './lib/http.mjs';
import { getIngested, ingest, multipart, seriesMatching, totalsMatching } from './lib/ingest.mjs';
import {
  PROFILER_EVENTS_LABELS, PT, chunks, mapToSortedObject, selfByName, compileJava, encodeLabelsSnapshot, expectedLeafSelf, expectedTotals, hasStack,
  eventSettingValues, jfrPrintEvents, jfrSummary, MAPPED_EVENTS, metadataStrings, metricOf, record, recordingRange, sampleRateOf,
  spanHex, withCheckpointCount, withHeaderField, writeJfc,
} from './lib/jfr.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const QUERIER_PROTO = 'querier/v1/querier.proto';
const T = { timeout: 60_000 };
// The recordings are large next to the default 4 MiB/s per-tenant push rate.
const SERVER_ARGS = ['-storage.min-free-disk-mb=0', '-distributor.ingestion-rate-limit-mb=1024', '-distributor.ingestion-burst-size-mb=1024'];
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x));
const gz = (b) => zlib.gzipSync(b);
const sumTotals = (...ts) => {
  const out = {};
  for (const t of ts) for (const [k, v] of Object.entries(t)) out[k] = (out[k] ?? 0n) + v;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
};
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
const LABELS_PART = encodeLabelsSnapshot(PROFILER_EVENTS_LABELS.snapshot);

/**
 * One upload the way `mode` says: 'raw' (the JFR bytes as the body), 'gzip' (gzipped body),
 * 'multipart' (pyroscope-java's form: gzipped `jfr` part, and a gzipped `labels` part if given).
 * Query parameters as pyroscope-java sends them; from/until from the chunk headers of
 * rec.rangeBuf (a broken recording's own headers may be unreadable) or rec.buf.
 */
function uploadJfr(srv, rec, mode, service, { labels } = {}) {
  const { fromNanos, untilNanos } = recordingRange(rec.rangeBuf ?? rec.buf);
  const params = {
    name: `${service}{env=test}`, units: 'samples', aggregationType: 'sum',
    from: String(fromNanos / 1_000_000_000n), until: String(untilNanos / 1_000_000_000n + 1n),
    spyName: 'javaspy', sampleRate: String(rec.sampleRate), format: 'jfr',
  };
  if (mode === 'raw') return ingest(srv.baseUrl, params, rec.buf, { contentType: 'application/octet-stream', timeoutMs: 60_000 });
  if (mode === 'gzip') return ingest(srv.baseUrl, params, gz(rec.buf), { contentType: 'application/octet-stream', timeoutMs: 60_000 });
  const parts = [{ name: 'jfr', filename: 'jfr', contentType: 'application/octet-stream', body: gz(rec.buf) }];
  if (labels) parts.push({ name: 'labels', filename: 'labels', contentType: 'application/x-protobuf', body: gz(labels) });
  const form = multipart(parts);
  return ingest(srv.baseUrl, params, form.body, { contentType: form.contentType, timeoutMs: 60_000 });
}


/**
 * Asserts what /debug/ingested holds for one service: exact totals and the series labels.
 * jfrEvent: the recording's "event" setting, which every series must carry as jfr_event
 * (undefined: no such setting, no jfr_event label; null: not checked).
 */
async function assertStored(srv, service, expected, what, { contextLabels = false, jfrEvent } = {}) {
  const ing = await getIngested(srv.baseUrl);
  const series = seriesMatching(ing, { service_name: service });
  assert.deepEqual(sorted(totalsMatching(ing, { service_name: service })), expected,
    `${what}: stored totals of service_name=${service} vs jfr print --json; series: ${fmt(series)}`);
  const allowed = new Set(['__name__', 'service_name', 'env', 'pyroscope_spy', ...(jfrEvent !== undefined ? ['jfr_event'] : []),
    ...(contextLabels ? ['endpoint', 'region', 'span_name'] : [])]);
  for (const s of series) {
    const l = s.labels;
    assert.equal(l.pyroscope_spy, 'javaspy', `${what}: pyroscope_spy of ${fmt(l)}`);
    assert.equal(l.env, 'test', `${what}: the name's label env=test on ${fmt(l)}`);
    if (jfrEvent !== null) {
      assert.equal(l.jfr_event, jfrEvent, `${what}: jfr_event is the recording's "event" setting (${jfrEvent ?? 'none: no label'}): ${fmt(l)}`);
    }
    for (const n of Object.keys(l)) assert.ok(allowed.has(n), `${what}: unexpected label ${n} on ${fmt(l)} (span ids are not series labels)`);
    for (const id of Object.keys(s.totals)) {
      assert.equal(l.__name__, metricOf(id), `${what}: profile type ${id} stored under __name__=${l.__name__}`);
    }
  }
  return series;
}

describe('JFR ingest with real recordings', { timeout: 600_000 }, () => {
  let work;
  const rec = {};  // name → { file, buf, events, sampleRate, expected, summary, jfrEvent }

  /** Takes a recording and works out everything the tests compare with. */
  async function prepare(name, { file, sampleRate }) {
    const buf = await readFile(file);
    const [events, summary, eventSettings] = await Promise.all([
      jfrPrintEvents(file, MAPPED_EVENTS), jfrSummary(file), eventSettingValues(file)]);
    assert.ok(eventSettings.length <= 1, `${name}: several "event" settings: ${eventSettings}`);
    rec[name] = { file, buf, events, summary, sampleRate, expected: expectedTotals(events, sampleRate), jfrEvent: eventSettings[0] };
    return rec[name];
  }

  before(async () => {
    work = await makeTempDir('flamedb-jfr-');
    const classes = path.join(work, 'classes');
    await compileJava(classes);
    const jfc = await writeJfc(path.join(work, 'mapped-events.jfc'), { periodMs: 10, thresholdMs: 10 });
    // Every JDK event the server maps, under settings=profile plus the TLAB events.
    const workload = await record({ classesDir: classes, out: path.join(work, 'workload.jfr'), main: 'JfrWorkload',
      args: ['cpu,alloc,monitor,park', 3], settings: ['profile', jfc] });
    // The JVM closes a chunk and starts another halfway: one file, several chunks.
    const rotated = await record({ classesDir: classes, out: path.join(work, 'rotated.jfr'), main: 'JfrWorkload',
      args: ['cpu,park', 2, 'rotate'], settings: ['profile', jfc] });
    // async-profiler-style events under settings=default (20 ms sampling: sampleRate 50), with
    // an "event" setting of itimer as async-profiler's recordings have.
    const wallclock = await record({ classesDir: classes, out: path.join(work, 'wallclock.jfr'), main: 'ProfilerEvents',
      args: [60, 'itimer'], settings: ['default'] });
    await prepare('workload', { file: workload.file, sampleRate: sampleRateOf(workload.settings['jdk.ExecutionSample#period']) });
    await prepare('rotated', { file: rotated.file, sampleRate: sampleRateOf(rotated.settings['jdk.ExecutionSample#period']) });
    await prepare('wallclock', { file: wallclock.file, sampleRate: sampleRateOf(wallclock.settings['jdk.ExecutionSample#period']) });
    // Two recordings of different programs (different metadata) in one file, uploaded with the
    // workload's sample rate. Its expected totals are the sum of the parts', each from `jfr print`
    // of that part alone: the JDK's reader keeps constants from one chunk for the next (ids are
    // unique within one JVM's recording), so on chunks of two different JVMs it resolves some
    // stack traces of the second chunk to the first chunk's entries (here: empty traces), while
    // each chunk is self-contained by the format and the server reads it so.
    const concat = path.join(work, 'concat.jfr');
    const buf = Buffer.concat([rec.workload.buf, rec.wallclock.buf]);
    await writeFile(concat, buf);
    const sampleRate = rec.workload.sampleRate;
    rec.concat = { file: concat, buf, sampleRate, summary: await jfrSummary(concat), jfrEvent: null,
      events: [...rec.workload.events, ...rec.wallclock.events],
      expected: sumTotals(rec.workload.expected, expectedTotals(rec.wallclock.events, sampleRate)) };
  }, { timeout: 240_000 });

  test('the recordings hold what the tests need, and jfr print agrees with jfr summary', T, () => {
    // (concat's events are its parts', each printed alone; jfr summary counts its chunks' events.)
    for (const [name, r] of Object.entries(rec)) {
      const printed = {};
      for (const e of r.events) printed[e.type] = (printed[e.type] ?? 0) + 1;
      for (const type of MAPPED_EVENTS) {
        assert.equal(printed[type] ?? 0, r.summary.counts[type] ?? 0, `${name}: ${type} count of jfr print --json vs jfr summary`);
      }
      assert.ok(r.buf.length < 3.5 * 1048576, `${name}: ${r.buf.length} bytes, too close to the 4 MiB profile size limit`);
    }
    const withStack = (r, type) => r.events.filter((e) => e.type === type && hasStack(e)).length;
    for (const type of MAPPED_EVENTS.filter((t) => t.startsWith('jdk.'))) {
      assert.ok(withStack(rec.workload, type) > 0, `workload: no ${type} events with a stack trace (${fmt(rec.workload.summary.counts)})`);
    }
    assert.equal(rec.workload.summary.chunks, 1, 'workload is one chunk');
    assert.equal(rec.workload.jfrEvent, undefined, 'a JDK recording has no "event" setting');
    assert.equal(rec.rotated.jfrEvent, undefined, 'a JDK recording has no "event" setting');
    assert.equal(rec.wallclock.jfrEvent, 'itimer', 'ProfilerEvents 60 itimer records the setting');
    assert.equal(rec.workload.sampleRate, 100, 'settings=profile + our .jfc sample every 10 ms');
    assert.equal(rec.wallclock.sampleRate, 50, 'settings=default samples every 20 ms');
    assert.ok(rec.rotated.summary.chunks >= 2, `rotated: ${rec.rotated.summary.chunks} chunk(s); JfrWorkload rotate should make several`);
    assert.equal(chunks(rec.rotated.buf).length, rec.rotated.summary.chunks, 'rotated: chunk headers vs jfr summary');
    assert.ok(rec.rotated.expected[PT.cpu] > 0n && rec.rotated.expected[PT.blockCount] > 0n, fmt(rec.rotated.expected));
    const wall = rec.wallclock.events.filter((e) => e.type === 'profiler.WallClockSample');
    assert.equal(wall.length, 360, 'ProfilerEvents 60 commits 6 events per round');
    assert.equal(wall.filter((e) => e.values.stackTrace === null).length, 18, 'three rounds without stack traces');
    assert.deepEqual([...new Set(wall.map((e) => String(e.values.contextId)))].sort(), ['0', '1', '2']);
    assert.ok(wall.some((e) => e.values.spanId < 0n), 'a span id with the high bit set (a negative long)');
    assert.equal(rec.concat.summary.chunks, 2, 'concat: two chunks');
    assert.ok(rec.concat.expected[PT.wall] > 0n && rec.concat.expected[PT.cpu] > 0n, fmt(rec.concat.expected));
  });

  describe('uploads', () => {
    let srv;
    let client;
    before(async () => {
      const [s, pb] = await Promise.all([startServer(SERVER_ARGS), loadProtos([QUERIER_PROTO])]);
      srv = s;
      client = createClient(pb[QUERIER_PROTO].QuerierService,
        createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true }));
    }, { timeout: 60_000 });
    after(async () => { await srv?.stop(); });

    const range = () => ({ start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) });
    const flame = async (profileTypeID, labelSelector) =>
      (await client.selectMergeStacktraces({ profileTypeID, labelSelector, ...range(), maxNodes: 1n << 20n })).flamegraph;
    const spanTotal = async (profileTypeID, labelSelector, spanSelector) =>
      BigInt((await client.selectMergeSpanProfile({ profileTypeID, labelSelector, spanSelector, ...range(), maxNodes: 1n << 20n }))
        .flamegraph?.total ?? 0n);

    const uploads = [
      ['workload', 'raw'], ['workload', 'gzip'], ['workload', 'multipart'],
      ['rotated', 'raw'], ['rotated', 'gzip'], ['rotated', 'multipart'],
      ['wallclock', 'raw'], ['wallclock', 'gzip'], ['wallclock', 'multipart'], ['wallclock', 'multipart+labels'],
      ['concat', 'raw'], ['concat', 'multipart'],
    ];
    for (const [name, mode] of uploads) {
      test(`${name}, ${mode}: 200, stored totals equal jfr print --json's`, T, async () => {
        const r = rec[name];
        const service = `jfr-${name}-${mode.replace('+', '-')}`;
        const labels = mode === 'multipart+labels' ? LABELS_PART : undefined;
        const res = await uploadJfr(srv, r, mode.replace('+labels', ''), service, { labels });
        assert.equal(res.status, 200, `${name} ${mode}: ${describeRes(res)}`);
        assert.ok(Object.keys(r.expected).length > 0, `${name}: nothing expected at all`);
        await assertStored(srv, service, r.expected, `${name} ${mode}`, { contextLabels: Boolean(labels), jfrEvent: r.jfrEvent });
      });
    }

    test('workload: every profile type\'s flame graph (QuerierService) has the expected total and self per leaf frame', T, async () => {
      const r = rec.workload;
      const leaves = expectedLeafSelf(r.events, r.sampleRate);
      for (const [id, total] of Object.entries(r.expected)) {
        const fg = await flame(id, '{service_name="jfr-workload-raw"}');
        assert.equal(BigInt(fg?.total ?? 0n), total, `${id}: flame graph total`);
        assert.deepEqual(mapToSortedObject(selfByName(fg)), mapToSortedObject(leaves[id]),
          `${id}: self value per frame name ("class.method", class names with slashes as JFR stores them)`);
      }
      const cpuNames = Object.keys(mapToSortedObject(leaves[PT.cpu]));
      assert.ok(cpuNames.some((n) => n.startsWith('JfrWorkload.cpu')), `the CPU leaves should include JfrWorkload's hot methods: ${cpuNames}`);
    });

    test('wallclock: events without a stack trace are skipped; only the labelled upload has context labels', T, async () => {
      const r = rec.wallclock;
      const all = expectedTotals(r.events, r.sampleRate);
      const nulls = r.events.filter((e) => e.type === 'profiler.WallClockSample' && e.values.stackTrace === null);
      const withNulls = nulls.reduce((a, e) => a + e.values.samples, 0n) * 1_000_000_000n / BigInt(r.sampleRate);
      assert.ok(withNulls > 0n);
      const fg = await flame(PT.wall, '{service_name="jfr-wallclock-raw"}');
      assert.equal(BigInt(fg?.total ?? 0n), all[PT.wall], `wall total leaves out the ${nulls.length} events with a null stack trace (${withNulls} ns)`);
      const ing = await getIngested(srv.baseUrl);
      for (const s of seriesMatching(ing, { service_name: 'jfr-wallclock-raw' })) {
        assert.equal(s.labels.endpoint, undefined, `no labels part, no context labels: ${fmt(s.labels)}`);
      }
      const labelled = seriesMatching(ing, { service_name: 'jfr-wallclock-multipart-labels', __name__: 'wall' });
      assert.ok(labelled.some((s) => s.labels.endpoint === '/checkout'), `context labels on the labelled upload: ${fmt(labelled.map((s) => s.labels))}`);
    });

    test('wallclock with labels: a label selector picks exactly the events of one context', T, async () => {
      const r = rec.wallclock;
      const svc = 'service_name="jfr-wallclock-multipart-labels"';
      const ofContext = (id) => (e) => e.values.contextId === BigInt(id);
      for (const [ctx, labels] of Object.entries(PROFILER_EVENTS_LABELS.contextLabels)) {
        const want = expectedTotals(r.events, r.sampleRate, ofContext(ctx))[PT.wall];
        assert.ok(want > 0n, `context ${ctx} has wall samples`);
        const wantLeaves = mapToSortedObject(expectedLeafSelf(r.events, r.sampleRate, ofContext(ctx))[PT.wall]);
        for (const [k, v] of Object.entries(labels)) {
          const fg = await flame(PT.wall, `{${svc},${k}="${v}"}`);
          assert.equal(BigInt(fg?.total ?? 0n), want, `{${k}="${v}"} = context ${ctx}'s wall total`);
          assert.deepEqual(mapToSortedObject(selfByName(fg)), wantLeaves, `{${k}="${v}"}: only context ${ctx}'s frames`);
        }
        const span = PROFILER_EVENTS_LABELS.spans[ctx];
        const fg = await flame(PT.wall, `{${svc},span_name="${span.spanName}"}`);
        assert.equal(BigInt(fg?.total ?? 0n), want, `{span_name="${span.spanName}"} = context ${ctx}'s wall total`);
      }
      const none = await flame(PT.wall, `{${svc},endpoint="/nowhere"}`);
      assert.equal(BigInt(none?.total ?? 0n), 0n, 'a value no context has selects nothing');
      const everything = await flame(PT.wall, `{${svc}}`);
      assert.equal(BigInt(everything?.total ?? 0n), r.expected[PT.wall], 'all contexts (and none) together');
    });

    test('wallclock with labels: SelectMergeSpanProfile finds each span\'s samples (profile_id = 16 hex digits)', T, async () => {
      const r = rec.wallclock;
      const sel = '{service_name="jfr-wallclock-multipart-labels"}';
      const ofSpan = (hex) => (e) => e.values.spanId !== undefined && e.values.spanId !== 0n && spanHex(e.values.spanId) === hex;
      const totals = {};
      for (const { spanId } of Object.values(PROFILER_EVENTS_LABELS.spans)) {
        totals[spanId] = expectedTotals(r.events, r.sampleRate, ofSpan(spanId))[PT.wall];
        assert.ok(totals[spanId] > 0n, `the recording has span ${spanId}`);
        assert.equal(await spanTotal(PT.wall, sel, [spanId]), totals[spanId], `span ${spanId}`);
      }
      const ids = Object.keys(totals);
      assert.equal(await spanTotal(PT.wall, sel, ids), totals[ids[0]] + totals[ids[1]], 'both spans');
      assert.equal(await spanTotal(PT.wall, sel, ['00000000000000ff']), 0n, 'an unknown span has nothing');
      assert.ok(ids.includes('f00dfeed00000001'), 'the high-bit span id prints unsigned');
    });

    describe('broken recordings → 400 naming JFR, nothing stored, the server still ready', () => {
      // Each is a real recording (the wallclock one: a single chunk) broken in one place. The
      // JDK's own reader must reject it too, or the mutation did not break anything.
      const cases = [
        ['wrong magic', (b) => { const x = Buffer.from(b); x.write('FLX', 0, 'latin1'); return x; }],
        ['truncated in the middle of the chunk', (b) => b.subarray(0, b.length >> 1)],
        ['truncated inside the chunk header', (b) => b.subarray(0, 40)],
        ['chunk size past the end of the body', (b) => withHeaderField(b, 'size', b.length + 4096)],
        ['chunk size smaller than the chunk header', (b) => withHeaderField(b, 'size', 16)],
        ['metadata offset past the end of the chunk', (b) => withHeaderField(b, 'metaOffset', b.length + 100)],
        ['metadata offset inside the chunk header', (b) => withHeaderField(b, 'metaOffset', 8)],
        ['constant-pool offset past the end of the chunk', (b) => withHeaderField(b, 'cpOffset', b.length * 2)],
        ['negative constant-pool offset', (b) => withHeaderField(b, 'cpOffset', -1)],
        ['huge varint pool count in the last checkpoint', (b) => withCheckpointCount(b, 'poolCount', 0xffffffffn)],
        ['huge varint entry count in the last checkpoint', (b) => withCheckpointCount(b, 'entryCount', 0xffffffffn)],
        ['unknown string encoding byte (9) in the metadata string table', (b) => {
          const x = Buffer.from(b);
          x[metadataStrings(b).firstStringPos] = 9;
          return x;
        }],
      ];
      let base;
      before(() => {
        base = rec.wallclock;
        assert.equal(base.summary.chunks, 1, 'the base recording is one chunk');
      });

      cases.forEach(([what, mutate], i) => {
        for (const mode of i === 0 ? ['raw', 'gzip', 'multipart'] : ['raw']) {
          test(`${what} (${mode})`, T, async () => {
            const bad = mutate(base.buf);
            const file = path.join(work, `bad-${i}.jfr`);
            await writeFile(file, bad);
            await assert.rejects(execFileAsync('jfr', ['print', '--events', 'profiler.WallClockSample', file], { maxBuffer: 256 << 20 }),
              `${what}: the JDK's reader accepts the mutated file, so it is not broken`);
            const service = `jfr-bad-${i}-${mode}`;
            const res = await uploadJfr(srv, { ...base, buf: bad, rangeBuf: base.buf }, mode, service);
            assert.equal(res.status, 400, `${what}: expected 400; got ${describeRes(res)}`);
            assert.match(res.text, /jfr/i, `${what}: the error should say it is about JFR; got ${describeRes(res)}`);
            const ing = await getIngested(srv.baseUrl);
            assert.deepEqual(seriesMatching(ing, { service_name: service }), [], `${what}: nothing stored`);
            const ready = await httpRequest(srv.baseUrl, '/ready');
            assert.equal(ready.status, 200, `${what}: /ready afterwards`);
          });
        }
      });

      test('multipart without a jfr part → 400 naming the jfr part', T, async () => {
        const form = multipart([{ name: 'labels', filename: 'labels', contentType: 'application/x-protobuf', body: gz(LABELS_PART) }]);
        const res = await ingest(srv.baseUrl, { name: 'jfr-bad-nopart', format: 'jfr', spyName: 'javaspy', sampleRate: '100' },
          form.body, { contentType: form.contentType });
        assert.equal(res.status, 400, describeRes(res));
        assert.match(res.text, /jfr/i, describeRes(res));
        assert.deepEqual(seriesMatching(await getIngested(srv.baseUrl), { service_name: 'jfr-bad-nopart' }), []);
      });

      test('after the broken ones a good recording is still accepted', T, async () => {
        const res = await uploadJfr(srv, base, 'raw', 'jfr-good-after-bad');
        assert.equal(res.status, 200, describeRes(res));
        await assertStored(srv, 'jfr-good-after-bad', base.expected, 'good after bad', { jfrEvent: base.jfrEvent });
      });
    });
  });

  describe('durability', () => {
    test('acknowledged JFR uploads survive kill -9 and a restart with the same totals', { timeout: 120_000 }, async (t) => {
      const dataDir = await makeTempDir('flamedb-jfr-durable-');
      const first = await startServer(SERVER_ARGS, { dataDir });
      t.after(() => first.stop());
      const sent = [
        ['workload', 'multipart', 'jfr-durable-workload', undefined],
        ['rotated', 'raw', 'jfr-durable-rotated', undefined],
        ['wallclock', 'multipart', 'jfr-durable-wallclock', LABELS_PART],
        ['concat', 'gzip', 'jfr-durable-concat', undefined],
      ];
      for (const [name, mode, service, labels] of sent) {
        const res = await uploadJfr(first, rec[name], mode, service, { labels });
        assert.equal(res.status, 200, `${name} ${mode} should be acknowledged; got ${describeRes(res)}`);
      }
      const beforeKill = await getIngested(first.baseUrl);
      for (const [name, , service] of sent) {
        assert.deepEqual(sorted(totalsMatching(beforeKill, { service_name: service })), rec[name].expected, `${service} before the kill`);
      }
      first.proc.kill('SIGKILL');  // no graceful shutdown: only what is on disk counts
      await first.exited;

      const second = await startServer(SERVER_ARGS, { dataDir });
      t.after(() => second.stop());
      const afterRestart = await getIngested(second.baseUrl);
      for (const [name, , service] of sent) {
        assert.deepEqual(sorted(totalsMatching(afterRestart, { service_name: service })), rec[name].expected,
          `${service}: totals after kill -9 and restart should equal jfr print --json's`);
      }
      const labelled = seriesMatching(afterRestart, { service_name: 'jfr-durable-wallclock', __name__: 'wall' });
      const ctx1 = expectedTotals(rec.wallclock.events, rec.wallclock.sampleRate, (e) => e.values.contextId === 1n)[PT.wall];
      assert.equal(labelled.filter((s) => s.labels.endpoint === '/checkout').reduce((a, s) => a + (s.totals[PT.wall] ?? 0n), 0n), ctx1,
        'the context labels are back too');
    });
  });
});
