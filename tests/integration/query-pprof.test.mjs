// SelectMergeProfile, Diff, render-diff, render?format=dot, AnalyzeQuery and the stack trace
// selector against the real binary. Three runs of the Go fixture program write real
// runtime/pprof CPU profiles; they are uploaded the Go SDK's way, one cut into a block after
// each of the first two, so queries span two blocks and the head. The merged pprof is read by
// `go tool pprof -top` and must show exactly what `go tool pprof -top` shows for the three
// original files merged by pprof itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { connectUnary, httpRequest } from './lib/http.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const QUERIER_PROTO = 'querier/v1/querier.proto';
const PROFILE_PROTO = 'google/v1/profile.proto';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const T = { timeout: 120_000 };
const RUNS = 3;

// `go tool pprof -top` rows (flat, flat%, sum%, cum, cum%, name), header lines dropped. With
// -nodecount large enough every function is listed; ties are ordered by name so both sides
// list rows alike.
async function pprofTop(files) {
  const { stdout } = await execFileAsync('go', ['tool', 'pprof', '-top', '-nodecount=100000', ...files],
    { maxBuffer: 64 << 20, env: { ...process.env, PPROF_TMPDIR: path.dirname(files[0]) } });
  const rows = stdout.split('\n').filter((l) => /^\s*-?[\d.]+\w*\s+[\d.]+%/.test(l)).map((l) => {
    const f = l.trim().split(/\s+/);
    return { flat: f[0], cum: f[3], name: f.slice(5).join(' ') };
  });
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe('SelectMergeProfile, Diff and friends', () => {
  let srv;
  let pb;
  let dir;
  let client;  // proto
  const clients = {};
  let cpuFiles;
  let reference;  // google/pprof totals of each CPU file
  const as = (tenant) => ({ headers: { 'X-Scope-OrgID': tenant } });
  const now = Date.now();
  const range = { start: BigInt(now - 3600_000), end: BigInt(now + 60_000) };

  before(async () => {
    dir = await makeTempDir('flamedb-pprof-');
    const gens = await Promise.all([...Array(RUNS).keys()].map((i) =>
      runGoTool('profilegen', ['-out', path.join(dir, `run${i}`), '-seconds', '1'], { timeoutMs: 60_000 })));
    gens.forEach((g) => assert.equal(g.code, 0, `profilegen: ${g.stderr}`));
    cpuFiles = [...Array(RUNS).keys()].map((i) => path.join(dir, `run${i}`, 'cpu.pb.gz'));
    reference = await pprofTotals(cpuFiles);
    [srv, pb] = await Promise.all([
      startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0']),
      loadProtos([QUERIER_PROTO, PROFILE_PROTO]),
    ]);
    for (let i = 0; i < RUNS; i++) {
      const until = BigInt(now - (RUNS - i) * 60_000) * 1_000_000n;
      const res = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', cpuFiles[i], '-kind', 'cpu',
        '-app', 'goapp', '-tags', `run=r${i}`, '-tenant', 'team-a', '-until', String(until),
        '-from', String(until - 10_000_000_000n)]);
      assert.equal(res.code, 0, `sdkpush: ${res.stdout} ${res.stderr}`);
      if (i < RUNS - 1) {
        const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
        assert.equal(flush.status, 204, flush.text);
      }
    }
    const debug = await httpRequest(srv.baseUrl, '/debug/ingested', { headers: { 'X-Scope-OrgID': 'team-a' } });
    assert.match(debug.text, /"blocks":2/, `two blocks and a head: ${debug.text}`);
    for (const [codec, binary] of [['proto', true], ['json', false]]) {
      const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary });
      clients[codec] = createClient(pb[QUERIER_PROTO].QuerierService, transport);
    }
    client = clients.proto;
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(dir);
  });

  const mergeProfile = (extra = {}, tenant = 'team-a', codec = 'proto') =>
    clients[codec].selectMergeProfile({ profileTypeID: CPU, labelSelector: '{service_name="goapp"}', ...range, ...extra }, as(tenant));
  const save = async (profile, name) => {
    const file = path.join(dir, name);
    await writeFile(file, toBinary(pb[PROFILE_PROTO].ProfileSchema, profile));
    return file;
  };

  test('go tool pprof -top of the merged profile equals pprof merging the same files', T, async () => {
    const merged = await save(await mergeProfile(), 'merged.pb');
    const [ours, theirs] = await Promise.all([pprofTop([merged]), pprofTop(cpuFiles)]);
    assert.ok(theirs.length > 5, `a real CPU profile has many functions (${theirs.length})`);
    assert.deepEqual(ours, theirs);
  });

  for (const codec of ['proto', 'json']) test(`${codec}: the merged profile holds the sum of the files and the requested type`, T, async () => {
    const p = await mergeProfile({}, 'team-a', codec);
    const s = (i) => p.stringTable[Number(i)];
    assert.deepEqual(p.sampleType.map((t) => [s(t.type), s(t.unit)]), [['cpu', 'nanoseconds']]);
    assert.deepEqual([s(p.periodType.type), s(p.periodType.unit)], ['cpu', 'nanoseconds']);
    const total = p.sample.reduce((a, x) => a + x.value[0], 0n);
    assert.equal(total, reference.reduce((a, r) => a + r.totals[1], 0n));
    assert.ok(p.function.every((f) => s(f.name).length > 0), 'every function has a name');
    assert.ok(p.location.some((l) => l.line.some((ln) => ln.line > 0n)), 'line numbers are kept');
    assert.equal(p.timeNanos, range.end * 1_000_000n);
    const one = await mergeProfile({ labelSelector: '{run="r1"}' }, 'team-a', codec);
    assert.equal(one.sample.reduce((a, x) => a + x.value[0], 0n), reference[1].totals[1]);
  });

  test('proto and JSON codecs give the same profile; nothing matched is the empty message', T, async () => {
    const req = { profileTypeID: CPU, labelSelector: '{run="r2"}', start: String(range.start), end: String(range.end) };
    const res = await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeProfile', JSON.stringify(req),
      { headers: { 'X-Scope-OrgID': 'team-a' } });
    assert.equal(res.status, 200, res.text);
    const json = res.json();
    const bin = await mergeProfile({ labelSelector: '{run="r2"}' });
    assert.equal(json.sample.length, bin.sample.length);
    assert.deepEqual(json.stringTable, bin.stringTable);
    const none = await mergeProfile({ labelSelector: '{run="nope"}' });
    assert.equal(none.sample.length, 0);
    assert.equal(none.stringTable.length, 0);
  });

  for (const codec of ['proto', 'json']) test(`${codec}: max_nodes and the call-site selector restrict the merged profile, flame graph and series`, T, async () => {
    const full = await mergeProfile({}, 'team-a', codec);
    const small = await mergeProfile({ maxNodes: 10n }, 'team-a', codec);
    const s = (p, i) => p.stringTable[Number(i)];
    assert.ok(small.sample.length < full.sample.length, 'fewer samples after truncation');
    assert.ok(small.function.some((f) => s(small, f.name) === 'other'), 'an "other" frame');
    const sum = (p) => p.sample.reduce((a, x) => a + x.value[0], 0n);
    assert.equal(sum(small), sum(full), 'truncation keeps the total');
    // The root-most function of the largest stack, as a call site: only stacks under it stay.
    const rootName = (p, sample) => {
      const loc = p.location.find((l) => l.id === sample.locationId.at(-1));
      return s(p, p.function.find((f) => f.id === loc.line.at(-1).functionId).name);
    };
    const biggest = full.sample.reduce((a, b) => (a.value[0] > b.value[0] ? a : b));
    const root = rootName(full, biggest);
    const site = await mergeProfile({ stackTraceSelector: { callSite: [{ name: root }] } }, 'team-a', codec);
    assert.ok(site.sample.length > 0 && site.sample.every((x) => rootName(site, x) === root));
    const expected = full.sample.filter((x) => rootName(full, x) === root).reduce((a, x) => a + x.value[0], 0n);
    assert.equal(sum(site), expected);
    const series = await clients[codec].selectSeries({ profileTypeID: CPU, labelSelector: '{}', ...range, step: 15,
      stackTraceSelector: { callSite: [{ name: root }] } }, as('team-a'));
    assert.equal(BigInt(Math.round(series.series.reduce((a, x) => a + x.points.reduce((b, p) => b + p.value, 0), 0))), expected);
    const graph = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', ...range,
      stackTraceSelector: { callSite: [{ name: root }] } }, as('team-a'));
    assert.equal(graph.flamegraph.total, expected, 'the flame graph under the call site');
  });

  for (const codec of ['proto', 'json']) test(`${codec}: Diff of two runs: totals per side, 7 ints per node`, T, async () => {
    const side = (run) => ({ profileTypeID: CPU, labelSelector: `{run="${run}"}`, ...range });
    const res = await clients[codec].diff({ left: side('r0'), right: side('r1') }, as('team-a'));
    const fg = res.flamegraph;
    assert.equal(fg.leftTicks, reference[0].totals[1]);
    assert.equal(fg.rightTicks, reference[1].totals[1]);
    assert.equal(fg.total, fg.leftTicks + fg.rightTicks);
    assert.equal(fg.names[0], 'total');
    assert.ok(fg.levels.every((l) => l.values.length % 7 === 0));
    assert.deepEqual(fg.levels[0].values.slice(1, 3), [fg.leftTicks, 0n]);
  });

  test('/pyroscope/render-diff answers the double format; mismatched types are a 400', T, async () => {
    const q = (run) => encodeURIComponent(`${CPU}{run="${run}"}`);
    const get = (p) => httpRequest(srv.baseUrl, p, { headers: { 'X-Scope-OrgID': 'team-a' } });
    const res = await get(`/pyroscope/render-diff?leftQuery=${q('r0')}&leftFrom=now-1h&leftUntil=now&rightQuery=${q('r2')}&rightFrom=${now - 3600_000}&rightUntil=${now + 60_000}&max-nodes=100`);
    assert.equal(res.status, 200, res.text);
    const doc = res.json();
    assert.equal(doc.metadata.format, 'double');
    assert.equal(BigInt(doc.leftTicks), reference[0].totals[1]);
    assert.equal(BigInt(doc.rightTicks), reference[2].totals[1]);
    assert.equal(BigInt(doc.flamebearer.numTicks), BigInt(doc.leftTicks) + BigInt(doc.rightTicks));
    assert.equal(doc.timeline, null);
    const bad = await get(`/pyroscope/render-diff?leftQuery=${q('r0')}&rightQuery=${encodeURIComponent('memory:alloc_space:bytes:space:bytes{}')}&leftFrom=now-1h&rightFrom=now-1h`);
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /profile types must match/);
    const missing = await get(`/pyroscope/render-diff?leftQuery=${q('r0')}`);
    assert.equal(missing.status, 400);
    assert.match(missing.json().message, /"rightQuery" is required/);
  });

  test('/pyroscope/render?format=dot is a Graphviz call graph', T, async () => {
    const q = encodeURIComponent(`${CPU}{service_name="goapp"}`);
    const res = await httpRequest(srv.baseUrl, `/pyroscope/render?query=${q}&from=now-1h&until=now&format=dot&maxNodes=20`,
      { headers: { 'X-Scope-OrgID': 'team-a' } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /^digraph "/);
    assert.equal((res.text.match(/^N\d+ \[label=/gm) ?? []).length, 20);
    assert.match(res.text, /^N\d+ -> N\d+ \[label=" \d+" weight=\d+\]$/m);
  });

  for (const codec of ['proto', 'json']) test(`${codec}: AnalyzeQuery counts what heads and blocks hold for the query`, T, async () => {
    const res = await clients[codec].analyzeQuery({ ...range, query: `${CPU}{service_name="goapp"}` }, as('team-a'));
    const [short, long] = res.queryScopes;
    assert.equal(short.componentType, 'Short term storage');
    assert.equal(long.componentType, 'Long term storage');
    assert.equal(short.profileCount, 1n);
    assert.equal(long.blockCount, 2n);
    assert.equal(long.profileCount, 2n);
    assert.equal(short.sampleCount + long.sampleCount > 0n, true);
    assert.equal(res.queryImpact.totalQueriedSeries, 3n);
    // Byte counts: what the two blocks store (compressed sections, within their block.bin
    // files) and what the head holds in memory.
    const bytes = (s) => s.indexBytes + s.profileBytes + s.symbolBytes;
    assert.ok(long.indexBytes > 0n && long.profileBytes > 0n && long.symbolBytes > 0n, JSON.stringify(long, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
    let files = 0n;
    const tenantDir = path.join(srv.dataDir, 'team-a');
    for (const ulid of await readdir(tenantDir)) files += BigInt((await stat(path.join(tenantDir, ulid, 'block.bin'))).size);
    assert.ok(bytes(long) < files, `${bytes(long)} bytes of sections within ${files} bytes of block.bin`);
    assert.ok(bytes(short) > 0n, 'the head holds bytes');
    assert.equal(res.queryImpact.totalBytesInTimeRange, bytes(short) + bytes(long));
  });

  for (const codec of ['proto', 'json']) test(`${codec}: SelectSeries exemplars name each point's profile, and its id opens that profile alone`, T, async () => {
    const res = await clients[codec].selectSeries({ profileTypeID: CPU, labelSelector: '{service_name="goapp"}', ...range,
      step: 60, exemplarType: 2 /* EXEMPLAR_TYPE_INDIVIDUAL */ }, as('team-a'));
    const points = res.series.flatMap((s) => s.points);
    assert.ok(points.length >= 1, 'points');
    // The runs' profiles, each its own series (label run): an exemplar is the largest in its point.
    const runTotals = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: `{run="r${i}"}`, ...range }, as('team-a'));
      runTotals.push(BigInt(r.flamegraph.total));
    }
    if (points.length === 1) {  // Every run in one step: the largest stands for it.
      assert.equal(BigInt(points[0].exemplars[0].value), runTotals.reduce((a, v) => (v > a ? v : a), 0n));
    }
    for (const p of points) {
      assert.equal(p.exemplars.length, 1, 'one exemplar per point');
      const [e] = p.exemplars;
      assert.ok(Number(e.value) <= p.value, 'an exemplar is one of the point\'s profiles');
      assert.ok(runTotals.includes(BigInt(e.value)), `exemplar value ${e.value} is one run's total (${runTotals})`);
      assert.match(e.profileId, /^[0-9a-f]{32}$/);
      assert.ok(e.labels.some((l) => l.name === 'run'), 'the exemplar names its series (the labels its point lacks)');
      const one = await mergeProfile({ labelSelector: '{}', profileIdSelector: [e.profileId] }, 'team-a', codec);
      const total = one.sample.reduce((a, x) => a + BigInt(x.value[0]), 0n);
      assert.equal(total, BigInt(e.value), `the profile ${e.profileId} alone`);
      const stacks = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', ...range,
        profileIdSelector: [e.profileId] }, as('team-a'));
      assert.equal(BigInt(stacks.flamegraph.total), BigInt(e.value));
    }
  });

  for (const codec of ['proto', 'json']) test(`${codec}: tenant B sees none of A through the new methods`, T, async () => {
    const b = await mergeProfile({ labelSelector: '{}' }, 'team-b', codec);
    assert.equal(b.sample.length, 0);
    const res = await clients[codec].analyzeQuery({ ...range, query: `${CPU}{}` }, as('team-b'));
    assert.ok(res.queryScopes.every((s) => s.profileCount === 0n));
    const diff = await clients[codec].diff({ left: { profileTypeID: CPU, labelSelector: '{}', ...range },
      right: { profileTypeID: CPU, labelSelector: '{}', ...range } }, as('team-b'));
    assert.equal(BigInt(diff.flamegraph?.total ?? 0n), 0n);
    const spans = await clients[codec].selectMergeSpanProfile({ profileTypeID: CPU, labelSelector: '{}', ...range,
      spanSelector: [] }, as('team-b'));
    assert.equal(BigInt(spans.flamegraph?.total ?? 0n), 0n);
  });

  const errorCases = [
    ['SelectMergeProfile', { labelSelector: '{run=}' }, /parse error/],
    ['SelectMergeProfile', { start: '0', end: '0' }, /missing time range in the query/],
    ['SelectMergeProfile', { maxNodes: '-5' }, /max flamegraph nodes limit must be set/],
    ['SelectMergeProfile', { profileTypeID: 'cpu' }, /is not of the form/],
    ['Diff', { left: { profileTypeID: CPU, start: '2', end: '1' } }, /query start time is after end time/],
  ];
  for (const [method, fields, message] of errorCases) {
    test(`${method} with ${JSON.stringify(fields)} is a 400 that says so`, T, async () => {
      const body = method === 'Diff'
        ? { left: fields.left, right: { profileTypeID: CPU, start: '1', end: '2' } }
        : { profileTypeID: CPU, labelSelector: '{}', start: String(range.start), end: String(range.end), ...fields };
      const res = await connectUnary(srv.baseUrl, `/querier.v1.QuerierService/${method}`, JSON.stringify(body),
        { headers: { 'X-Scope-OrgID': 'team-a' } });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json().code, 'invalid_argument');
      assert.match(res.json().message, message);
    });
  }

  test('a query over its memory budget fails with resource_exhausted and the server lives on', T, async () => {
    const tight = await startServer(['-storage.min-free-disk-mb=0', '-querier.max-query-memory=64']);
    try {
      const res = await runGoTool('sdkpush', ['-url', tight.baseUrl, '-file', cpuFiles[0], '-kind', 'cpu', '-app', 'goapp']);
      assert.equal(res.code, 0, res.stderr);
      const body = JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', start: String(range.start), end: String(range.end) });
      const r = await connectUnary(tight.baseUrl, '/querier.v1.QuerierService/SelectMergeProfile', body);
      assert.equal(r.status, 429, r.text);
      assert.equal(r.json().code, 'resource_exhausted');
      assert.match(r.json().message, /memory budget of 64 bytes \(-querier.max-query-memory\)/);
      assert.equal((await httpRequest(tight.baseUrl, '/ready')).status, 200);
    } finally {
      await tight.stop();
    }
  });
});
