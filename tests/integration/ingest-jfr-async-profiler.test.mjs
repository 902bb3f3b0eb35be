// JFR ingest of recordings written by async-profiler itself, the profiler pyroscope-java embeds:
// fixtures/java/JfrWorkload.java runs under `-agentpath:libasyncProfiler.so=start,...,jfr`
// with the engines pyroscope-java drives (itimer, cpu, wall), allocation sampling (alloc),
// lock profiling (lock), live objects (live) and native allocations (nativemem). Each recording
// is uploaded raw and as pyroscope-java's multipart form, with the sampleRate pyroscope-java
// sends (1e9 / interval); the stored totals and every profile type's self value per leaf frame
// must equal what the JDK's own reader (`jfr print --json`) counts in the same file, under the
// mapping of docs/jfr.md, and every series carries the recording's engine as jfr_event.
//
// async-profiler has no Debian or npm package, so this suite needs a build of it named by
// FLAMEDB_ASYNC_PROFILER (the path of libasyncProfiler.so). Without it the suite is reported as
// skipped, never as passed; docs/jfr.md "Tests" says how it was last run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { describe as describeRes } from './lib/http.mjs';
import { getIngested, ingest, multipart, seriesMatching, totalsMatching } from './lib/ingest.mjs';
import {
  ASYNC_PROFILER_EVENTS, MAPPED_EVENTS, PT, compileJava, eventSettingValues, expectedLeafSelf, expectedTotals,
  jfrPrintEvents, jfrSummary, mapToSortedObject, metricOf, recordingRange, selfByName,
} from './lib/jfr.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const LIB = process.env.FLAMEDB_ASYNC_PROFILER;
const SKIP = LIB ? false : 'FLAMEDB_ASYNC_PROFILER (the path of a libasyncProfiler.so) is not set';
const QUERIER_PROTO = 'querier/v1/querier.proto';
const SERVER_ARGS = ['-storage.min-free-disk-mb=0', '-distributor.ingestion-rate-limit-mb=1024', '-distributor.ingestion-burst-size-mb=1024'];
const EVENTS = [...MAPPED_EVENTS, ...ASYNC_PROFILER_EVENTS];
const T = { timeout: 60_000 };
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x));
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

// The recordings: async-profiler's agent options, JfrWorkload's modes and seconds, the sampling
// interval in ms (pyroscope-java's sampleRate is 1000 / interval), and the profile types the
// recording must hold for the test to mean anything.
const RECORDINGS = {
  // pyroscope-java's defaults: itimer at 10 ms, allocations every 512 KiB, locks over 10 ms.
  itimer: { agent: 'event=itimer,interval=10ms,alloc=512k,lock=10ms', modes: 'cpu,alloc,monitor,park', seconds: 3,
    intervalMs: 10, needs: [PT.cpu, PT.tlabBytes, PT.mutexDelay, PT.blockDelay] },
  wall: { agent: 'event=wall,interval=20ms,live,alloc=256k', modes: 'cpu,alloc,park', seconds: 2,
    intervalMs: 20, needs: [PT.wall, PT.live, PT.tlabObjects] },
  cpu: { agent: 'event=cpu,interval=10ms,nativemem=64k', modes: 'cpu,alloc', seconds: 2,
    intervalMs: 10, needs: [PT.cpu, PT.mallocBytes] },
};

/** Runs JfrWorkload under async-profiler's agent, writing a JFR recording to `out`. */
async function recordWithAgent(classes, out, { agent, modes, seconds }) {
  await execFileAsync('java', [`-agentpath:${LIB}=start,${agent},jfr,file=${out}`, '-cp', classes,
    'JfrWorkload', modes, String(seconds)], { timeout: 60_000, maxBuffer: 16 << 20 });
  const st = await stat(out);
  assert.ok(st.size > 68, `async-profiler wrote a ${st.size}-byte recording ${out}`);
}

/** One upload as pyroscope-java makes it ('raw' body, or its 'multipart' form with a gzipped jfr part). */
function upload(srv, r, mode, service) {
  const { fromNanos, untilNanos } = recordingRange(r.buf);
  const params = {
    name: `${service}{env=test}`, units: 'samples', aggregationType: 'sum', spyName: 'javaspy', format: 'jfr',
    from: String(fromNanos / 1_000_000_000n), until: String(untilNanos / 1_000_000_000n + 1n), sampleRate: String(r.sampleRate),
  };
  if (mode === 'raw') return ingest(srv.baseUrl, params, r.buf, { contentType: 'application/octet-stream', timeoutMs: 60_000 });
  const form = multipart([{ name: 'jfr', filename: 'jfr', contentType: 'application/octet-stream', body: zlib.gzipSync(r.buf) }]);
  return ingest(srv.baseUrl, params, form.body, { contentType: form.contentType, timeoutMs: 60_000 });
}


describe('JFR ingest of async-profiler recordings', { skip: SKIP, timeout: 600_000 }, () => {
  const rec = {};  // name → { buf, events, summary, sampleRate, jfrEvent, expected }
  let srv;
  let client;

  before(async () => {
    const work = await makeTempDir('flamedb-async-profiler-');
    const classes = path.join(work, 'classes');
    await compileJava(classes);
    for (const [name, spec] of Object.entries(RECORDINGS)) {
      const file = path.join(work, `${name}.jfr`);
      await recordWithAgent(classes, file, spec);
      const [events, summary, settings] = await Promise.all([jfrPrintEvents(file, EVENTS, { depth: 4 }), jfrSummary(file), eventSettingValues(file)]);
      const sampleRate = 1000 / spec.intervalMs;
      assert.equal(settings.length, 1, `${name}: one "event" setting: ${settings}`);
      rec[name] = { buf: await readFile(file), events, summary, sampleRate, jfrEvent: settings[0],
        expected: expectedTotals(events, sampleRate, () => true, settings[0]),
        leaves: expectedLeafSelf(events, sampleRate, () => true, settings[0]) };
    }
    const [s, pb] = await Promise.all([startServer(SERVER_ARGS), loadProtos([QUERIER_PROTO])]);
    srv = s;
    client = createClient(pb[QUERIER_PROTO].QuerierService,
      createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true }));
  }, { timeout: 240_000 });
  after(async () => { await srv?.stop(); });

  test('the recordings are async-profiler\'s and hold every profile type they should', T, () => {
    for (const [name, spec] of Object.entries(RECORDINGS)) {
      const r = rec[name];
      assert.equal(r.jfrEvent, spec.agent.match(/event=(\w+)/)[1], `${name}: the "event" setting names the engine`);
      for (const id of spec.needs) assert.ok((r.expected[id] ?? 0n) > 0n, `${name}: nothing of ${id} in ${fmt(r.expected)}`);
      const printed = {};
      for (const e of r.events) printed[e.type] = (printed[e.type] ?? 0) + 1;
      for (const type of EVENTS) {
        assert.equal(printed[type] ?? 0, r.summary.counts[type] ?? 0, `${name}: ${type} count of jfr print --json vs jfr summary`);
      }
    }
  });

  for (const name of Object.keys(RECORDINGS)) {
    for (const mode of ['raw', 'multipart']) {
      test(`${name}, ${mode}: 200, stored totals and series labels equal jfr print --json's`, T, async () => {
        const r = rec[name];
        const service = `ap-${name}-${mode}`;
        const res = await upload(srv, r, mode, service);
        assert.equal(res.status, 200, `${name} ${mode}: ${describeRes(res)}`);
        const ing = await getIngested(srv.baseUrl);
        assert.deepEqual(sorted(totalsMatching(ing, { service_name: service })), r.expected, `${name} ${mode}: stored totals`);
        for (const s of seriesMatching(ing, { service_name: service })) {
          const l = s.labels;
          assert.deepEqual(Object.keys(l).sort(), ['__name__', 'env', 'jfr_event', 'pyroscope_spy', 'service_name'], fmt(l));
          assert.equal(l.jfr_event, r.jfrEvent, fmt(l));
          assert.equal(l.pyroscope_spy, 'javaspy', fmt(l));
          for (const id of Object.keys(s.totals)) assert.equal(l.__name__, metricOf(id), `${id} under ${fmt(l)}`);
        }
      });
    }
    test(`${name}: every profile type's flame graph has the expected total and self per leaf frame`, T, async () => {
      const r = rec[name];
      const range = { start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) };
      for (const [id, total] of Object.entries(r.expected)) {
        const fg = (await client.selectMergeStacktraces({ profileTypeID: id, labelSelector: `{service_name="ap-${name}-raw"}`,
          ...range, maxNodes: 1n << 20n })).flamegraph;
        assert.equal(BigInt(fg?.total ?? 0n), total, `${name} ${id}: flame graph total`);
        assert.deepEqual(mapToSortedObject(selfByName(fg)), mapToSortedObject(r.leaves[id]), `${name} ${id}: self value per leaf frame name`);
      }
    });
  }
});
