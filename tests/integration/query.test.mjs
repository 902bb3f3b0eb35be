// querier.v1.QuerierService against the real binary, filled by a real client (Go runtime/pprof
// CPU and heap profiles uploaded the Go SDK's way by sdkpush), called with the Connect client
// generated from our protos, in proto and JSON: flame graph totals equal google/pprof's totals
// of the same files, from the head and from blocks alike; labels, series and profile types;
// tenant isolation; and each error case as a 400 naming the problem.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { ingest } from './lib/ingest.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const QUERIER_PROTO = 'querier/v1/querier.proto';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const HEAP = 'memory:alloc_space:bytes:space:bytes';
const T = { timeout: 60_000 };

describe('QuerierService', () => {
  let srv;
  let pb;
  let genDir;
  const reference = {};  // kind -> google/pprof summary
  const clients = {};    // codec -> client

  before(async () => {
    genDir = await makeTempDir('flamedb-query-gen-');
    const gen = await runGoTool('profilegen', ['-out', genDir, '-seconds', '2'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen failed: ${gen.stderr}`);
    const [cpu, heap] = await pprofTotals(['cpu', 'heap'].map((k) => path.join(genDir, `${k}.pb.gz`)));
    Object.assign(reference, { cpu, heap });
    [srv, pb] = await Promise.all([
      startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0']),
      loadProtos([QUERIER_PROTO]),
    ]);
    for (const kind of ['cpu', 'heap']) {
      const res = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', path.join(genDir, `${kind}.pb.gz`),
        '-kind', kind, '-app', 'goapp', '-tags', 'env=it', '-tenant', 'team-a']);
      assert.equal(res.code, 0, `sdkpush ${kind}: ${res.stdout} ${res.stderr}`);
    }
    const other = await ingest(srv.baseUrl, { name: 'otherapp.cpu' }, 'main;secret 5\n', { tenant: 'team-b' });
    assert.equal(other.status, 200, other.text);
    for (const [codec, binary] of [['proto', true], ['json', false]]) {
      const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary });
      clients[codec] = createClient(pb[QUERIER_PROTO].QuerierService, transport);
    }
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(genDir);
  });

  const as = (tenant) => ({ headers: { 'X-Scope-OrgID': tenant } });
  const range = () => ({ start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) });
  const flamegraph = (client, profileTypeID, labelSelector = '{}', extra = {}) =>
    client.selectMergeStacktraces({ profileTypeID, labelSelector, ...range(), ...extra }, as('team-a'));

  for (const codec of ['proto', 'json']) {
    test(`${codec}: flame graph totals equal google/pprof's totals of the uploaded files`, T, async () => {
      const cpu = await flamegraph(clients[codec], CPU, '{service_name="goapp"}');
      assert.equal(cpu.flamegraph.total, reference.cpu.totals[1], 'cpu nanoseconds');
      assert.equal(cpu.flamegraph.names[0], 'total');
      assert.ok(cpu.flamegraph.levels.length > 3, 'a real CPU profile has deep stacks');
      const heap = await flamegraph(clients[codec], HEAP);
      const i = reference.heap.sample_types.indexOf('alloc_space/bytes');
      assert.equal(heap.flamegraph.total, reference.heap.totals[i], 'heap alloc_space');
    });

    test(`${codec}: profile types, label names and values, series, stats`, T, async () => {
      const client = clients[codec];
      const types = (await client.profileTypes(range(), as('team-a'))).profileTypes.map((t) => t.ID);
      assert.ok(types.includes(CPU) && types.includes(HEAP), `profile types: ${types}`);
      assert.deepEqual([...types].sort(), types, 'sorted by ID');
      const names = (await client.labelNames({ matchers: ['{service_name="goapp"}'] }, as('team-a'))).names;
      assert.ok(names.includes('service_name') && names.includes('env'), `label names: ${names}`);
      const values = (await client.labelValues({ name: 'service_name' }, as('team-a'))).names;
      assert.deepEqual(values, ['goapp']);
      const series = await client.series({ matchers: ['{}'], labelNames: ['service_name', '__profile_type__'] }, as('team-a'));
      const sets = series.labelsSet.map((l) => Object.fromEntries(l.labels.map((p) => [p.name, p.value])));
      assert.ok(sets.some((s) => s.service_name === 'goapp' && s.__profile_type__ === CPU), JSON.stringify(sets));
      assert.ok(sets.every((s) => Object.keys(s).every((k) => ['service_name', '__profile_type__'].includes(k))));
      const stats = await client.getProfileStats({}, as('team-a'));
      assert.equal(stats.dataIngested, true);
      assert.ok(stats.oldestProfileTime <= stats.newestProfileTime);
    });
  }

  test('SelectSeries: grouped by service, points sum to the flame graph total', T, async () => {
    for (const codec of ['proto', 'json']) {
      const res = await clients[codec].selectSeries({ profileTypeID: CPU, labelSelector: '{}', ...range(), step: 15,
        groupBy: ['service_name'] }, as('team-a'));
      assert.equal(res.series.length, 1, `${codec}: one group`);
      assert.deepEqual(res.series[0].labels.map((p) => [p.name, p.value]), [['service_name', 'goapp']]);
      const sum = res.series[0].points.reduce((a, p) => a + p.value, 0);
      assert.equal(BigInt(Math.round(sum)), reference.cpu.totals[1], `${codec}: sum of points`);
      const ts = res.series[0].points.map((p) => p.timestamp);
      assert.deepEqual([...ts].sort((a, b) => (a < b ? -1 : 1)), ts, 'points ascending');
    }
    const body = JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', start: String(Date.now() - 60_000), end: String(Date.now()), step: 0 });
    const res = await httpRequest(srv.baseUrl, '/querier.v1.QuerierService/SelectSeries', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': 'team-a' }, body,
    });
    assert.equal(res.status, 400, res.text);
    assert.match(JSON.parse(res.text).message, /step must be non-zero/);
  });

  const get = (p) => httpRequest(srv.baseUrl, p, { headers: { 'X-Scope-OrgID': 'team-a' } });

  test('/pyroscope/render: flamebearer, metadata and timeline as Pyroscope', T, async () => {
    const q = encodeURIComponent(`${CPU}{service_name="goapp"}`);
    const res = await get(`/pyroscope/render?query=${q}&from=now-1h&until=now%2B1m&format=json`);
    assert.equal(res.status, 200, res.text);
    const doc = JSON.parse(res.text);
    assert.equal(BigInt(doc.flamebearer.numTicks), reference.cpu.totals[1]);
    assert.equal(doc.flamebearer.names[0], 'total');
    assert.deepEqual(doc.metadata, { format: 'single', spyName: '', sampleRate: 1000000000, units: 'samples', name: 'cpu' });
    assert.equal(doc.timeline.durationDelta, 15);
    assert.equal(BigInt(doc.timeline.samples.reduce((a, v) => a + v, 0)), reference.cpu.totals[1]);
    assert.equal(doc.groups, null);
    const grouped = JSON.parse((await get(`/pyroscope/render?query=${q}&from=now-1h&until=now%2B1m&groupBy=service_name`)).text);
    assert.deepEqual(Object.keys(grouped.groups), ['goapp']);
    const missing = await get('/pyroscope/render?from=now-1h');
    assert.equal(missing.status, 400);
    assert.match(JSON.parse(missing.text).message, /"query" is required/);
    const noType = await get(`/pyroscope/render?query=${encodeURIComponent('{service_name="goapp"}')}`);
    assert.equal(noType.status, 400);
    assert.match(noType.text, /must contain a profile-type selection/);
  });

  test('/pyroscope/label-values and /pyroscope/label-names', T, async () => {
    assert.ok(JSON.parse((await get('/pyroscope/label-values?label=__name__')).text).includes(CPU));
    assert.deepEqual(JSON.parse((await get('/pyroscope/label-values?label=service_name')).text), ['goapp']);
    assert.ok(JSON.parse((await get('/pyroscope/label-names')).text).includes('service_name'));
    const res = await get('/pyroscope/label-values');
    assert.equal(res.status, 400);
    assert.match(res.text, /label parameter is required/);
  });

  test('tree format holds the same total as the flame graph', T, async () => {
    const res = await flamegraph(clients.proto, CPU, '{}', { format: 2 });
    assert.ok(res.tree.length > 0);
    // Pre-order nodes: uvarint name length, name, uvarint self, uvarint child count.
    let pos = 0;
    const uvarint = () => {
      let v = 0n; let shift = 0n;
      for (;;) {
        const b = res.tree[pos++];
        v |= BigInt(b & 0x7f) << shift;
        if (b < 0x80) return v;
        shift += 7n;
      }
    };
    let total = 0n;
    const node = () => {
      const len = Number(uvarint()); pos += len;
      total += uvarint();
      const children = Number(uvarint());
      for (let c = 0; c < children; c++) node();
    };
    node();
    assert.equal(pos, res.tree.length);
    assert.equal(total, reference.cpu.totals[1]);
  });

  test('max_nodes folds the frames under the threshold into "other" and keeps the total', T, async () => {
    // Every node as [total, name], root excluded.
    const nodes = (fg) => fg.levels.slice(1).flatMap((l) => {
      const out = [];
      for (let i = 0; i < l.values.length; i += 4) out.push([l.values[i + 1], fg.names[Number(l.values[i + 3])]]);
      return out;
    });
    const full = nodes((await flamegraph(clients.json, CPU, '{}', { maxNodes: 1048576n })).flamegraph);
    const threshold = full.map(([t]) => t).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[4];
    const res = await flamegraph(clients.json, CPU, '{}', { maxNodes: 5n });
    const kept = nodes(res.flamegraph);
    assert.ok(kept.length < full.length, `truncation should drop nodes (${kept.length} of ${full.length})`);
    assert.ok(res.flamegraph.names.includes('other'));
    for (const [total, name] of kept) {
      assert.ok(name === 'other' || total >= threshold, `${name} (${total}) is under the threshold ${threshold}`);
    }
    assert.equal(res.flamegraph.total, reference.cpu.totals[1]);
  });

  test('the same answers before and after the head is cut into a block', T, async () => {
    const before = await flamegraph(clients.proto, CPU);
    const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
    assert.equal(flush.status, 204, flush.text);
    const after = await flamegraph(clients.proto, CPU);
    assert.deepEqual(after.flamegraph, before.flamegraph);
    const debug = await httpRequest(srv.baseUrl, '/debug/ingested', { headers: { 'X-Scope-OrgID': 'team-a' } });
    assert.match(debug.text, /"heads":0,"blocks":1/, 'the answer now comes from the block');
  });

  test('tenant A never sees tenant B, nor B A', T, async () => {
    const b = await clients.json.labelValues({ name: 'service_name' }, as('team-b'));
    assert.deepEqual(b.names, ['otherapp']);
    const a = await flamegraph(clients.json, CPU, '{service_name="otherapp"}');
    assert.equal(a.flamegraph.total, 0n);
    const none = await clients.json.labelValues({ name: 'service_name' }, as('team-c'));
    assert.deepEqual(none.names, []);
  });

  const errorCases = [
    ['a bad selector', { labelSelector: '{service_name=goapp}' }, /parse error: unexpected character 'g'/],
    ['an unknown profile type', { profileTypeID: 'nope:x:y:z:w' }, /unknown profile type "nope:x:y:z:w"/],
    ['a malformed profile type', { profileTypeID: 'cpu' }, /profile type "cpu" is not of the form/],
    ['from after until', { start: 2000n, end: 1000n }, /query start time is after end time/],
    ['a range over 7 days', { start: 1n, end: BigInt(8 * 24 * 3600_000) }, /exceeds the limit \(max_query_length/],
    ['a missing range', { start: 0n, end: 0n }, /missing time range in the query/],
    ['max_nodes too large', { maxNodes: 2_000_000n }, /max flamegraph nodes limit 2000000 is greater than allowed 1048576/],
    ['max_nodes negative', { maxNodes: -1n }, /max flamegraph nodes limit must be set/],
  ];
  for (const [what, fields, message] of errorCases) {
    test(`${what} is a 400 (invalid_argument) that says so`, T, async () => {
      const body = JSON.stringify({ profileTypeID: CPU, labelSelector: '{}', start: String(Date.now() - 60_000),
        end: String(Date.now()), ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])) });
      const res = await httpRequest(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': 'team-a' }, body,
      });
      assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
      const err = JSON.parse(res.text);
      assert.equal(err.code, 'invalid_argument');
      assert.match(err.message, message);
    });
  }
});
