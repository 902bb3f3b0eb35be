// Real Go runtime profiles, uploaded the way grafana/pyroscope-go does (multipart /ingest with
// sample_type_config) and the way Grafana Alloy does (Connect Push), compared with the totals
// that github.com/google/pprof/profile computes for the same files.
//
// Tools: tests/fixtures/go (profilegen writes cpu/heap/goroutine/mutex/block .pb.gz from a
// 2-second workload, sdkpush uploads, totals reads). They are built here with build.sh; a
// machine without Go fails with build.sh's message naming the Debian package to install.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { buildGoTools, pprofTotals, runGoTool, totalsById } from './lib/gotools.mjs';
import { getIngested, seriesMatching, totalsMatching } from './lib/ingest.mjs';
import { execFile } from 'node:child_process';
import { makeTempDir, startServer } from './lib/server.mjs';

const KINDS = ['cpu', 'heap', 'goroutine', 'mutex', 'block'];
// __name__ per kind: the SDK's sample_type_config display names decide on /ingest (goroutines,
// plural); sdkpush -push sets the label itself, as Alloy does (goroutine). Like Alloy, the Push
// uploads say __delta__="false" (Alloy computes deltas itself), so heap alloc_* values are stored
// as sent rather than turned into server-side deltas (spec §2.4.7).
const METRIC_INGEST = { cpu: 'process_cpu', heap: 'memory', goroutine: 'goroutines', mutex: 'mutex', block: 'block' };
const METRIC_PUSH = { cpu: 'process_cpu', heap: 'memory', goroutine: 'goroutine', mutex: 'mutex', block: 'block' };
const SDK_TENANT = 'go-sdk';
const PUSH_TENANT = 'go-alloy';
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** Expected totals without entries that sum to 0 (samples whose values are all zero are not stored). */
const nonZero = (m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== 0n));

describe('Go runtime profiles via the Go SDK (multipart /ingest) and Alloy (Push)', { timeout: 180_000 }, () => {
  let srv;
  let dir;
  const reference = {};

  before(async () => {
    await buildGoTools();
    dir = await makeTempDir('flamedb-go-');
    const gen = await runGoTool('profilegen', ['-out', dir, '-seconds', '2', '-labels'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen failed: ${gen.stderr}`);
    const summaries = await pprofTotals(KINDS.map((k) => path.join(dir, `${k}.pb.gz`)));
    KINDS.forEach((k, i) => { reference[k] = summaries[i]; });
    srv = await startServer(['-auth.multitenancy-enabled']);
  });
  after(async () => { await srv?.stop(); });

  test('profilegen wrote every kind with samples', async () => {
    for (const k of KINDS) {
      assert.ok(reference[k].samples > 0, `${k}.pb.gz has no samples: ${fmt(reference[k])}`);
    }
  });

  for (const kind of KINDS) {
    test(`${kind}: sdkpush (Go SDK multipart) → 200, totals equal google/pprof's`, { timeout: 30_000 }, async () => {
      const res = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', path.join(dir, `${kind}.pb.gz`), '-kind', kind,
        '-app', 'goapp', '-tags', 'env=it,region=local', '-tenant', SDK_TENANT]);
      assert.equal(res.code, 0, `sdkpush -kind ${kind}: ${res.stdout} ${res.stderr}`);
      assert.match(res.stdout, /^HTTP 200\b/, `sdkpush -kind ${kind}: ${res.stdout}`);
      const metric = METRIC_INGEST[kind];
      const ing = await getIngested(srv.baseUrl, SDK_TENANT);
      const series = seriesMatching(ing, { service_name: 'goapp', __name__: metric });
      assert.ok(series.length >= 1, `no series with __name__="${metric}" for ${kind}; series: ${fmt(ing.series.map((s) => s.labels))}`);
      for (const s of series) {
        const l = s.labels;
        assert.equal(l.__delta__, undefined, `${kind}: __delta__ (set to "false" by the legacy path) is consumed, not stored (spec §2.4.7)`);
        assert.equal(l.pyroscope_spy, 'gospy', `${kind}: pyroscope_spy`);
        assert.equal(l.env, 'it', `${kind}: tag env`);
        assert.equal(l.region, 'local', `${kind}: tag region`);
        assert.equal(l.process_runtime_name, 'go', `${kind}: process.runtime.name sanitized to process_runtime_name`);
        assert.match(l.otel_scope_name ?? '', /^com\.grafana\.pyroscope\//, `${kind}: otel.scope.name sanitized to otel_scope_name`);
        assert.equal(l.__session_id__, undefined, `${kind}: __session_id__ is dropped with max_sessions_per_series=0`);
        assert.ok(!Object.keys(l).some((n) => n.includes('.')), `${kind}: no dots left in label names: ${fmt(l)}`);
      }
      assert.deepEqual(totalsMatching(ing, { service_name: 'goapp', __name__: metric }), nonZero(totalsById(reference[kind], metric)),
        `${kind}: stored totals vs \`totals\` (${fmt(reference[kind].sample_types)}, period type ${reference[kind].period_type})`);
    });

    test(`${kind}: sdkpush -push (Connect Push, as Alloy) → 200, totals equal google/pprof's`, { timeout: 30_000 }, async () => {
      const res = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', path.join(dir, `${kind}.pb.gz`), '-kind', kind,
        '-app', 'goapp', '-tags', 'env=it,__delta__=false', '-tenant', PUSH_TENANT, '-push']);
      assert.equal(res.code, 0, `sdkpush -push -kind ${kind}: ${res.stdout} ${res.stderr}`);
      assert.match(res.stdout, /^HTTP 200\b/, `sdkpush -push -kind ${kind}: ${res.stdout}`);
      const metric = METRIC_PUSH[kind];
      const ing = await getIngested(srv.baseUrl, PUSH_TENANT);
      const series = seriesMatching(ing, { service_name: 'goapp', __name__: metric });
      assert.ok(series.length >= 1, `no series with __name__="${metric}" for ${kind}; series: ${fmt(ing.series.map((s) => s.labels))}`);
      for (const s of series) {
        const { workload, ...rest } = s.labels;
        assert.deepEqual(rest, { __name__: metric, env: 'it', service_name: 'goapp' }, `${kind}: Push labels are the request's`);
      }
      assert.deepEqual(totalsMatching(ing, { service_name: 'goapp', __name__: metric }), nonZero(totalsById(reference[kind], metric)),
        `${kind}: stored totals vs \`totals\``);
    });
  }

  // The reference totals above come from google/pprof's library; `go tool pprof -raw` (the same
  // library behind Go's own tool, as the issue names it) must print the same sums, so the stored
  // totals equal what `go tool pprof -raw` reports.
  test('go tool pprof -raw reports the same totals as the reference for every kind', { timeout: 60_000 }, async () => {
    for (const kind of KINDS) {
      const tmp = await makeTempDir('flamedb-pprof-');
      const out = await new Promise((resolve, reject) => {
        execFile('go', ['tool', 'pprof', '-raw', path.join(dir, `${kind}.pb.gz`)],
          { env: { ...process.env, PPROF_TMPDIR: tmp, HOME: tmp }, maxBuffer: 64 << 20 },
          (err, stdout, stderr) => (err ? reject(new Error(`go tool pprof -raw ${kind}: ${stderr}`)) : resolve(stdout)));
      });
      const lines = out.split('\n');
      const start = lines.findIndex((l) => l.trim() === 'Samples:');
      assert.ok(start >= 0, `${kind}: no "Samples:" section in go tool pprof -raw output`);
      const types = lines[start + 1].trim().split(/\s+/);
      const sums = types.map(() => 0n);
      for (const line of lines.slice(start + 2)) {
        if (/^\S/.test(line)) break;  // "Locations" starts the next section.
        const m = /^\s+(-?\d+(?:\s+-?\d+)*):/.exec(line);
        if (m) m[1].trim().split(/\s+/).forEach((v, i) => { sums[i] += BigInt(v); });
      }
      assert.deepEqual(types, reference[kind].sample_types, `${kind}: sample types of go tool pprof -raw`);
      assert.deepEqual(sums.map(String), reference[kind].totals.map(String),
        `${kind}: go tool pprof -raw sums vs the reference totals the server's totals were compared with`);
    }
  });

  test('cpu: pprof.Do labels (-labels) split the CPU profile into one series per workload', async () => {
    for (const tenant of [SDK_TENANT, PUSH_TENANT]) {
      const ing = await getIngested(srv.baseUrl, tenant);
      const workloads = new Set(seriesMatching(ing, { service_name: 'goapp', __name__: 'process_cpu' }).map((s) => s.labels.workload).filter(Boolean));
      assert.ok(workloads.size >= 2, `${tenant}: expected several workload series (hash, sort, fib, matmul, alloc); got ${[...workloads]}`);
      for (const w of workloads) assert.match(w, /^(hash|sort|fib|matmul|alloc)$/);
    }
  });

  test('each upload is one profile per series; tenants are kept apart', async () => {
    for (const tenant of [SDK_TENANT, PUSH_TENANT]) {
      const ing = await getIngested(srv.baseUrl, tenant);
      for (const s of ing.series) assert.equal(s.profiles, 1, `${tenant}: ${fmt(s.labels)} has ${s.profiles} profiles`);
      const names = new Set(ing.series.map((s) => s.labels.__name__));
      const want = Object.values(tenant === SDK_TENANT ? METRIC_INGEST : METRIC_PUSH);
      assert.deepEqual([...names].sort(), [...want].sort(), `${tenant}: metrics`);
    }
  });
});
