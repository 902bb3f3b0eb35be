// SelectMergeSpanProfile (traces to profiles) against the real binary. A real Go program
// (profilegen -spans) labels its CPU work with span_id, as the Go SDK's OpenTelemetry
// integration does; sdkpush uploads it the Go SDK's way. The merged profile of some spans
// must equal google/pprof's totals of the samples with those labels, from the head, after a
// crash and WAL replay, and from a block; span ids never become series labels.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const QUERIER_PROTO = 'querier/v1/querier.proto';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const SPANS = { hash: '5a1e0000000000a1', fib: '5a1e0000000000c3' };  // profilegen's ids.
const T = { timeout: 60_000 };

describe('SelectMergeSpanProfile', () => {
  let srv;
  let pb;
  let genDir;
  let dataDir;
  let cpuFile;
  const reference = {};  // 'all' | span name -> google/pprof summary
  const clients = {};

  const start = async () => {
    srv = await startServer(['-storage.min-free-disk-mb=0'], { dataDir });
    for (const [codec, binary] of [['proto', true], ['json', false]]) {
      const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary });
      clients[codec] = createClient(pb[QUERIER_PROTO].QuerierService, transport);
    }
  };

  before(async () => {
    [genDir, dataDir] = await Promise.all([makeTempDir('flamedb-spans-gen-'), makeTempDir('flamedb-spans-data-')]);
    const gen = await runGoTool('profilegen', ['-out', genDir, '-seconds', '2', '-spans'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen failed: ${gen.stderr}`);
    cpuFile = path.join(genDir, 'cpu.pb.gz');
    [reference.all] = await pprofTotals([cpuFile]);
    for (const [name, id] of Object.entries(SPANS)) {
      const { stdout, code, stderr } = await runGoTool('totals', ['-tag', `span_id=${id}`, cpuFile]);
      assert.equal(code, 0, stderr);
      reference[name] = JSON.parse(stdout.replace(/(-?\d{16,})/g, '"$1"'));
      assert.ok(BigInt(reference[name].totals[1]) > 0n, `profilegen gave span ${name} no CPU samples`);
    }
    pb = await loadProtos([QUERIER_PROTO]);
    await start();
    const res = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', cpuFile, '-kind', 'cpu', '-app', 'spanapp']);
    assert.equal(res.code, 0, `sdkpush: ${res.stdout} ${res.stderr}`);
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(genDir);
    removeTempDir(dataDir);
  });

  const range = () => ({ start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) });
  const spanProfile = (codec, spanSelector, extra = {}) => clients[codec].selectMergeSpanProfile({
    profileTypeID: CPU, labelSelector: '{service_name="spanapp"}', spanSelector, ...range(), ...extra,
  });
  const cpuOf = (name) => BigInt(reference[name].totals[1]);

  // The checks that must hold wherever the profile is stored.
  const checkAnswers = async (where) => {
    for (const codec of ['proto', 'json']) {
      const hash = await spanProfile(codec, [SPANS.hash]);
      assert.equal(hash.flamegraph.total, cpuOf('hash'), `${where}, ${codec}: the hash span's CPU`);
      assert.ok(hash.flamegraph.names.includes('main.hashLoop'), `${where}, ${codec}: ${hash.flamegraph.names}`);
      assert.ok(!hash.flamegraph.names.includes('main.fib'), `${where}, ${codec}: fib is another span`);
      const both = await spanProfile(codec, [SPANS.fib, SPANS.hash]);
      assert.equal(both.flamegraph.total, cpuOf('hash') + cpuOf('fib'), `${where}, ${codec}: two spans add up`);
      const none = await spanProfile(codec, ['00000000000000ff']);
      assert.equal(BigInt(none.flamegraph?.total ?? 0n), 0n, `${where}, ${codec}: an unknown span has nothing`);
      const all = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', ...range() });
      assert.equal(all.flamegraph.total, BigInt(reference.all.totals[1]), `${where}, ${codec}: span ids do not split the profile`);
      // Pyroscope 2.x's span_selector on SelectMergeStacktraces: the same samples.
      const spans = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', spanSelector: [SPANS.hash], ...range() });
      assert.equal(spans.flamegraph.total, cpuOf('hash'), `${where}, ${codec}: SelectMergeStacktraces with span_selector`);
      const pprof = await clients[codec].selectMergeStacktraces({
        profileTypeID: CPU, labelSelector: '{}', spanSelector: [SPANS.hash], format: 4 /* PROFILE_FORMAT_PPROF */, ...range(),
      });
      const pprofTotal = pprof.pprof.profile.sample.reduce((a, x) => a + BigInt(x.value[0]), 0n);
      assert.equal(pprofTotal, cpuOf('hash'), `${where}, ${codec}: PROFILE_FORMAT_PPROF of a span`);
    }
  };

  test('the merged profile of spans equals google/pprof\'s totals of their samples (head)', T, async () => {
    await checkAnswers('head');
  });

  test('tree format and max_nodes', T, async () => {
    const tree = await spanProfile('proto', [SPANS.hash], { format: 2 /* PROFILE_FORMAT_TREE */ });
    assert.ok(tree.tree.length > 0, 'a tree');
    // fib's recursion gives stacks of many depths, so few nodes cannot hold them all.
    const full = await spanProfile('json', [SPANS.hash, SPANS.fib]);
    const small = await spanProfile('json', [SPANS.hash, SPANS.fib], { maxNodes: 4n });
    assert.equal(small.flamegraph.total, full.flamegraph.total, 'max_nodes keeps the total');
    assert.ok(small.flamegraph.names.includes('other'), `truncated: ${small.flamegraph.names}`);
    const nodes = (fg) => fg.levels.reduce((n, l) => n + (l.values?.length ?? 0) / 4, 0);
    assert.ok(nodes(small.flamegraph) < nodes(full.flamegraph), 'fewer nodes than the full graph');
  });

  test('span_id is sample data, never a series label', T, async () => {
    const names = (await clients.proto.labelNames({ matchers: ['{service_name="spanapp"}'], ...range() })).names;
    assert.ok(!names.includes('span_id') && !names.includes('profile_id'), `label names: ${names}`);
  });

  test('a bad span id is a 400 that names it', T, async () => {
    for (const [id, message] of [['tooshort', /invalid span id length: "tooshort"/], ['5a1e00000000zzzz', /invalid span id: "5a1e00000000zzzz"/]]) {
      const res = await httpRequest(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeSpanProfile', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', spanSelector: [id], start: String(Date.now() - 60_000), end: String(Date.now()) }),
      });
      assert.equal(res.status, 400, res.text);
      const doc = JSON.parse(res.text);
      assert.equal(doc.code, 'invalid_argument');
      assert.match(doc.message, message);
    }
  });

  test('SelectSeries span exemplars name the span with the most CPU, and its profile id and span id open just it', T, async () => {
    for (const codec of ['proto', 'json']) {
      const res = await clients[codec].selectSeries({ profileTypeID: CPU, labelSelector: '{service_name="spanapp"}', ...range(),
        step: 15, exemplarType: 3 /* EXEMPLAR_TYPE_SPAN */ });
      const points = res.series.flatMap((s) => s.points);
      assert.equal(points.length, 1, 'one profile, one point');
      assert.equal(points[0].exemplars.length, 1);
      const [e] = points[0].exemplars;
      // The span of the profile with the most CPU, with google/pprof's total of its samples.
      assert.match(e.spanId, /^[0-9a-f]{16}$/);
      const { stdout, code, stderr } = await runGoTool('totals', ['-tag', `span_id=${e.spanId}`, cpuFile]);
      assert.equal(code, 0, stderr);
      const spanCpu = BigInt(JSON.parse(stdout.replace(/(-?\d{16,})/g, '"$1"')).totals[1]);
      assert.equal(BigInt(e.value), spanCpu, `${codec}: the exemplar's value is its span's CPU`);
      assert.ok(spanCpu >= cpuOf('hash') && spanCpu >= cpuOf('fib'), `${codec}: no span has more CPU`);
      const one = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', ...range(),
        profileIdSelector: [e.profileId], spanSelector: [e.spanId] });
      assert.equal(BigInt(one.flamegraph.total), BigInt(e.value), `${codec}: the profile id and span id open it`);
    }
  });

  test('SelectHeatmap counts the profile once and each of its spans once; exemplars have google/pprof\'s totals and open them', T, async () => {
    const spanTotal = async (id) => {
      const { stdout, code, stderr } = await runGoTool('totals', ['-tag', `span_id=${id}`, cpuFile]);
      assert.equal(code, 0, stderr);
      return BigInt(JSON.parse(stdout.replace(/(-?\d{16,})/g, '"$1"')).totals[1]);
    };
    const count = (res) => res.series.flatMap((s) => s.slots).flatMap((x) => x.counts).reduce((a, c) => a + c, 0);
    for (const codec of ['proto', 'json']) {
      const base = { profileTypeID: CPU, labelSelector: '{service_name="spanapp"}', ...range(), step: 15 };
      const one = await clients[codec].selectHeatmap({ ...base, queryType: 1 /* INDIVIDUAL */, exemplarType: 2 /* INDIVIDUAL */ });
      assert.equal(count(one), 1, `${codec}: one profile`);
      const [e] = one.series[0].slots[0].exemplars;
      assert.equal(BigInt(e.value), BigInt(reference.all.totals[1]), `${codec}: the profile's total`);
      const opened = await clients[codec].selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', ...range(), profileIdSelector: [e.profileId] });
      assert.equal(BigInt(opened.flamegraph.total), BigInt(e.value), `${codec}: its profile id opens it`);

      const spans = await clients[codec].selectHeatmap({ ...base, queryType: 2 /* SPAN */, exemplarType: 3 /* SPAN */ });
      assert.ok(count(spans) >= Object.keys(SPANS).length, `${codec}: a point per span: ${count(spans)}`);
      const slot = spans.series[0].slots[0];
      assert.equal(slot.yMin.length, 20);
      assert.equal(slot.exemplars.length, slot.counts.filter((c) => c > 0).length, `${codec}: an exemplar per non-empty bucket`);
      for (const x of slot.exemplars) {
        assert.equal(BigInt(x.value), await spanTotal(x.spanId), `${codec}: span ${x.spanId}'s CPU`);
      }
    }
    const res = await httpRequest(srv.baseUrl, '/querier.v1.QuerierService/SelectHeatmap', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', step: 15, start: String(Date.now() - 60_000), end: String(Date.now()) }),
    });
    assert.equal(res.status, 400, res.text);
    assert.match(JSON.parse(res.text).message, /query_type must be/);
  });

  test('SelectMergeStacktraces answers DOT, refuses async by name, and a bad trace id or a trace with a span selector with 400', T, async () => {
    const dot = await clients.json.selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', format: 3 /* DOT */, ...range() });
    assert.match(dot.dot, /^digraph/, 'a Graphviz graph');
    assert.match(dot.dot, /main\.hashLoop/, 'with the program\'s functions');
    const post = (extra) => httpRequest(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', ...extra, start: String(Date.now() - 60_000), end: String(Date.now()) }),
    });
    const cases = [
      [{ async: { type: 'ASYNC_QUERY_TYPE_FORCE' } }, 501, 'unimplemented', /async/],
      [{ traceIdSelector: ['7c9e66797425440d'] }, 400, 'invalid_argument', /invalid trace id: "7c9e66797425440d"/],
      [{ traceIdSelector: ['7c9e66797425440de944be07fc1f90ae'], spanSelector: ['00f067aa0ba902b7'] }, 400, 'invalid_argument', /span_selector and trace_id_selector cannot be combined/],
    ];
    for (const [extra, status, code, message] of cases) {
      const res = await post(extra);
      assert.equal(res.status, status, res.text);
      const doc = JSON.parse(res.text);
      assert.equal(doc.code, code);
      assert.match(doc.message, message);
    }
    // The Go SDK's span profiles name no trace: a trace selector finds none of their samples.
    const none = await clients.json.selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', traceIdSelector: ['7c9e66797425440de944be07fc1f90ae'], ...range() });
    assert.equal(BigInt(none.flamegraph?.total ?? 0), 0n);
  });

  test('the same answers after a crash (WAL replay) and after the head is cut into a block', T, async () => {
    await srv.stop('SIGKILL');
    await start();
    await checkAnswers('after replay');
    const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
    assert.equal(flush.status, 204, flush.text);
    await checkAnswers('block');
    // The block's symbols were decoded once and then served from the shared cache.
    const metrics = (await httpRequest(srv.baseUrl, '/metrics')).text;
    assert.ok(sampleValue(metrics, 'flamedb_symbol_cache_misses_total') >= 1, 'decoded once');
    assert.ok(sampleValue(metrics, 'flamedb_symbol_cache_hits_total') >= 5, 'then cached');
    assert.ok(sampleValue(metrics, 'flamedb_symbol_cache_bytes') > 0);
  });
});
