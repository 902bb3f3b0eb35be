// The real Pyroscope Node.js SDK (@pyroscope/nodejs, pinned in package.json) profiling a
// CPU-busy program (fixtures/node-sdk-app.mjs) and uploading to flamedb through a recording
// proxy that saves every request (query + body) and forwards it unchanged. Then:
//   - every upload got 200;
//   - /debug/ingested has the app's wall (with cpu time) and memory series;
//   - for each kind, the sum over the saved pprof payloads of what google/pprof's `totals`
//     reads equals what the server stored. The SDK sends a wrong sampleRate (17): for pprof the
//     server must ignore it and keep the profile's own values;
//   - the query API (Connect client, proto and JSON; /pyroscope/render) answers those same
//     totals for every profile type the SDK sent, from the head and from a block.
// Runs ~15 s of profiling (FLAMEDB_NODE_SDK_RUN_MS overrides; FLAMEDB_NODE_SDK_FLUSH_MS the
// SDK's flush interval).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { pprofTotals, totalsById } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { getIngested, seriesMatching, totalsMatching } from './lib/ingest.mjs';
import { integrationDir } from './lib/paths.mjs';
import { loadProtos } from './lib/proto.mjs';
import { recordingProxy } from './lib/proxy.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const RUN_MS = Number(process.env.FLAMEDB_NODE_SDK_RUN_MS ?? 15_000);
const FLUSH_MS = Number(process.env.FLAMEDB_NODE_SDK_FLUSH_MS ?? 5_000);
const APP = 'node-sdk-app';
const TENANT = 'node-sdk';
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));

describe('Pyroscope Node.js SDK → recording proxy → flamedb', { timeout: RUN_MS + 90_000 }, () => {
  let srv;
  let proxy;
  let dir;
  let app;
  const uploads = [];

  before(async () => {
    srv = await startServer(['-auth.multitenancy-enabled']);
    proxy = await recordingProxy(srv.baseUrl);
    dir = await makeTempDir('flamedb-nodesdk-');
    app = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(integrationDir, 'fixtures', 'node-sdk-app.mjs')], {
        cwd: integrationDir,
        env: { ...process.env, PYROSCOPE_SERVER_ADDRESS: proxy.url, APP_NAME: APP, RUN_MS: String(RUN_MS), FLUSH_MS: String(FLUSH_MS), TENANT_ID: TENANT, DEBUG: 'pyroscope*' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_MS + 60_000);
      child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out }); });
    });
    for (const [i, r] of proxy.records.entries()) {
      const u = new URL(r.url, 'http://x');
      const file = path.join(dir, `upload-${i}.pb.gz`);
      writeFileSync(file, r.body);
      uploads.push({ ...r, query: Object.fromEntries(u.searchParams), path: u.pathname, file });
    }
  });
  after(async () => {
    await proxy?.close();
    await srv?.stop();
  });

  test('the SDK program ran and exited cleanly', () => {
    assert.equal(app.code, 0, `node-sdk-app exited with ${app.code ?? app.signal}; output:\n${app.out.slice(-4000)}`);
  });

  test('the SDK uploaded wall and heap profiles as /ingest?format=pprof, and every upload got 200', () => {
    assert.ok(uploads.length >= 3, `expected several uploads in ${RUN_MS} ms with flushIntervalMs ${FLUSH_MS}; got ${uploads.length}; app output:\n${app.out.slice(-3000)}`);
    for (const u of uploads) {
      assert.equal(u.method, 'POST');
      assert.equal(u.path, '/ingest');
      assert.equal(u.query.format, 'pprof', `query of ${u.url}`);
      assert.equal(u.query.spyName, 'nodespy');
      assert.match(u.query.name, /^node-sdk-app\{/, 'the SDK sends the tags in name=');
      assert.equal(u.headers['x-scope-orgid'], TENANT);
      assert.equal(u.status, 200, `${u.url} → ${u.status} ${u.response}`);
    }
  });

  test('for each kind, the stored totals equal the sum of google/pprof totals over the uploads', async () => {
    const summaries = await pprofTotals(uploads.map((u) => u.file));
    const expected = {};
    const rates = new Set();
    summaries.forEach((s, i) => {
      const isWall = s.sample_types.some((t) => t.startsWith('wall/'));
      const metric = isWall ? 'wall' : 'memory';
      expected[metric] ??= {};
      for (const [id, v] of Object.entries(totalsById(s, metric))) expected[metric][id] = (expected[metric][id] ?? 0n) + v;
      if (isWall) rates.add(uploads[i].query.sampleRate);
    });
    assert.ok(rates.size > 0 && [...rates].every((r) => r !== undefined && r !== '100'),
      `the SDK's wall uploads carry its own (wrong) sampleRate, which this test relies on; got ${[...rates]}`);
    assert.ok(expected.wall, `no wall profile among the uploads: ${fmt(summaries.map((s) => s.sample_types))}`);
    assert.ok(expected.memory, `no heap profile among the uploads: ${fmt(summaries.map((s) => s.sample_types))}`);
    assert.ok(Object.keys(expected.wall).some((id) => id.startsWith('wall:cpu:nanoseconds:')),
      `wall:{collectCpuTime:true} should add a cpu sample type; got ${Object.keys(expected.wall)}`);
    const ing = await getIngested(srv.baseUrl, TENANT);
    for (const metric of ['wall', 'memory']) {
      const series = seriesMatching(ing, { service_name: APP, __name__: metric });
      assert.ok(series.length >= 1, `no ${metric} series stored; series: ${fmt(ing.series.map((s) => s.labels))}`);
      for (const s of series) {
        assert.equal(s.labels.env, 'integration', `${metric}: tag env`);
        assert.equal(s.labels.region, 'loopback', `${metric}: tag region`);
        assert.equal(s.labels.pyroscope_spy, 'nodespy', `${metric}: pyroscope_spy`);
      }
      const want = Object.fromEntries(Object.entries(expected[metric]).filter(([, v]) => v !== 0n));
      assert.deepEqual(totalsMatching(ing, { service_name: APP, __name__: metric }), want,
        `${metric}: stored totals vs the uploaded pprof files (the SDK sent sampleRate=${[...rates]}, which must not matter)`);
    }
  });

  test('queries answer the uploads\' totals per profile type, from the head and from a block', async () => {
    const summaries = await pprofTotals(uploads.map((u) => u.file));
    const expected = {};  // profile type id -> total over the uploads
    summaries.forEach((s) => {
      const metric = s.sample_types.some((t) => t.startsWith('wall/')) ? 'wall' : 'memory';
      for (const [id, v] of Object.entries(totalsById(s, metric))) expected[id] = (expected[id] ?? 0n) + v;
    });
    const QUERIER_PROTO = 'querier/v1/querier.proto';
    const pb = await loadProtos([QUERIER_PROTO]);
    const clients = Object.fromEntries([['proto', true], ['json', false]].map(([codec, binary]) => [codec,
      createClient(pb[QUERIER_PROTO].QuerierService,
        createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary }))]));
    const as = { headers: { 'X-Scope-OrgID': TENANT } };
    const range = { start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) };
    const selector = `{service_name="${APP}"}`;
    const check = async (where) => {
      for (const codec of ['proto', 'json']) {
        const types = (await clients[codec].profileTypes(range, as)).profileTypes.map((t) => t.ID);
        for (const [id, total] of Object.entries(expected)) {
          if (total === 0n) continue;
          assert.ok(types.includes(id), `${where}, ${codec}: ProfileTypes lacks ${id}: ${types}`);
          const res = await clients[codec].selectMergeStacktraces({ profileTypeID: id, labelSelector: selector, ...range }, as);
          assert.equal(res.flamegraph.total, total, `${where}, ${codec}: flame graph total of ${id}`);
          if (id.startsWith('wall:cpu:')) {
            // Node frames are named file:function:line.
            assert.ok(res.flamegraph.names.some((f) => /node-sdk-app\.mjs:(fib|sortWork|hashWork):\d+$/.test(f)),
              `${where}: the app's functions in the CPU flame graph: ${res.flamegraph.names.slice(0, 40)}`);
          }
          const series = await clients[codec].selectSeries({ profileTypeID: id, labelSelector: selector, ...range, step: 10 }, as);
          const sum = series.series.reduce((a, x) => a + x.points.reduce((b, pt) => b + pt.value, 0), 0);
          assert.equal(BigInt(Math.round(sum)), total, `${where}, ${codec}: SelectSeries sum of ${id}`);
        }
      }
      const cpu = Object.keys(expected).find((id) => id.startsWith('wall:cpu:'));
      const q = encodeURIComponent(`${cpu}${selector}`);
      const render = await httpRequest(srv.baseUrl, `/pyroscope/render?query=${q}&from=now-1h&until=now%2B1m`, as);
      assert.equal(render.status, 200, render.text);
      assert.equal(BigInt(render.json().flamebearer.numTicks), expected[cpu], `${where}: /pyroscope/render numTicks`);
      const workloads = (await clients.json.labelValues({ name: 'workload', matchers: [selector], ...range }, as)).names;
      assert.ok(workloads.includes('sort') && workloads.includes('fib'), `${where}: workload values ${workloads}`);
    };
    await check('head');
    const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
    assert.equal(flush.status, 204, flush.text);
    await check('block');
  });

  test('wrapWithLabels labels became series labels of the wall profile', async () => {
    const ing = await getIngested(srv.baseUrl, TENANT);
    const workloads = new Set(seriesMatching(ing, { service_name: APP, __name__: 'wall' }).map((s) => s.labels.workload).filter(Boolean));
    assert.ok(workloads.has('sort') || workloads.has('fib'), `expected series with workload=sort|fib; got ${[...workloads]}`);
  });
});
