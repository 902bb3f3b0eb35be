// Cluster mode end to end (issue #27), on the launcher's cluster (scripts/cluster: a 3-member
// etcd, Swift's S3, 2 distributors, 3 segment-writers, 2 metastores, 2 compaction-workers, a
// query-frontend and 2 query-backends, each its own process). Clients push while processes are
// killed with -9 one after the other; at the end every acknowledged profile is found exactly
// once, with its total, through the query-frontend. Then the S3 server hangs for a minute
// (FLAMEDB_OUTAGE_SECONDS): wal mode keeps acknowledging, bucket mode answers 503 at once, and
// both recover by themselves.
//
// A long suite: it runs in the release build only (the sanitizer builds set FLAMEDB_SANITIZE).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startCluster } from './lib/cluster.mjs';
import { buildProfile, gzipProfile } from './lib/pprof.mjs';
import { startServer } from './lib/server.mjs';
import { getIngested, ingest } from './lib/ingest.mjs';
import { samples, sampleValue } from './lib/metrics.mjs';
import { connectUnary, httpRequest } from './lib/http.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const OUTAGE_MS = Number(process.env.FLAMEDB_OUTAGE_SECONDS ?? 60) * 1000;
const skip = process.env.FLAMEDB_SANITIZE ? 'a long suite: it runs in the release build' : false;
// Compaction within the run: 10 s windows merged once they ended, then 40 s ones.
const FLAGS = ['-compactor.compaction-interval=1s', '-compactor.block-ranges=10s,40s',
  '-cluster.member-ttl=3s', '-cluster.index-refresh=500ms', '-ingester.max-global-series-per-tenant=0',
  '-distributor.ingestion-rate-limit-mb=10000'];

/** push_id -> { profiles, total } of everything the frontend finds. */
async function stored(frontend) {
  const out = new Map();
  for (const s of (await getIngested(frontend)).series) {
    const id = s.labels.push_id;
    if (id === undefined) continue;
    const total = Object.values(s.totals).reduce((a, v) => a + v, 0n);
    const prev = out.get(id);
    out.set(id, { profiles: (prev?.profiles ?? 0) + s.profiles, total: (prev?.total ?? 0n) + total });
  }
  return out;
}

/**
 * Clients pushing through the distributors, each on its own distributor first; a client whose
 * distributor does not answer moves to the next one (what a load balancer does).
 */
let loads = 0;
function load(cluster, clients) {
  const tag = `l${++loads}`;  // push_ids differ between the loads of one cluster.
  const acked = new Map();  // push_id -> total sent
  const errors = [];        // { client, distributor, status, text }
  let stopped = false;
  const run = async (c) => {
    let d = c % cluster.distributors.length;
    for (let n = 0; !stopped; n++) {
      const id = `${tag}-${c}-${n}`;
      const total = 10 + (n % 7);
      const url = cluster.distributors[d];
      const started = Date.now();
      const res = await ingest(url, { name: `svc${c % 3}.cpu{push_id=${id}}` },
        `main;work;leaf${n % 5} ${total}\n`, { timeoutMs: 15_000 })
        .catch((err) => ({ status: 0, text: err.message }));
      if (res.status === 200) {
        acked.set(id, BigInt(total) * 10_000_000n);
      } else {
        errors.push({ client: c, distributor: url, status: res.status, text: res.text, ms: Date.now() - started });
        d = (d + 1) % cluster.distributors.length;
      }
      await sleep(res.status === 200 ? 5 : 100);  // A refused client backs off, as SDKs do.
    }
  };
  const work = Promise.all(Array.from({ length: clients }, (_, c) => run(c)));
  return { acked, errors, stop: async () => { stopped = true; await work; } };
}

/** The elected compaction leader of `cluster`, from /ring. */
async function leaderOf(cluster) { return (await cluster.ring()).compaction_leader; }

/**
 * Kills with -9, in turn, each process of `sequence` ([name or async (cluster) => name, then
 * ms to wait]). Returns what it did, for messages.
 */
async function killInTurn(cluster, sequence) {
  const steps = [];
  for (const [who, wait] of sequence) {
    const name = typeof who === 'function' ? await who(cluster) : who;
    cluster.kill(name);
    steps.push(`${name} killed`);
    await sleep(wait);
  }
  return steps;
}

/**
 * Waits until every acknowledged push is found once (segments follow acks in wal mode). A push
 * a writer stored but could not acknowledge before it was killed is stored again by the writer
 * the distributor tries next: until compaction merges the two copies' window (seconds), it may
 * be counted twice, so duplicates are waited out too.
 */
async function expectAllOnce(frontend, acked, what) {
  let got;
  let missing = [];
  let twice = [];
  for (let i = 0; i < 90; i++) {
    got = await stored(frontend);
    missing = [...acked.keys()].filter((id) => !got.has(id));
    twice = [...got].filter(([, s]) => s.profiles !== 1).map(([id]) => id);
    if (missing.length === 0 && twice.length === 0) break;
    await sleep(500);
  }
  assert.deepEqual(missing.slice(0, 10), [], `${what}: ${missing.length} of ${acked.size} acknowledged pushes are missing`);
  for (const [id, total] of acked) {
    const s = got.get(id);
    assert.equal(s.profiles, 1, `${what}: push ${id} is counted ${s.profiles} times`);
    assert.equal(s.total, total, `${what}: push ${id} has total ${s.total}, sent ${total}`);
  }
}

describe('cluster mode, wal acknowledgement, on S3', { skip }, () => {
  let cluster;
  before(async () => { cluster = await startCluster({ ack: 'wal', flags: FLAGS }); });
  after(async () => { await cluster?.stop(); });

  test('the launcher starts every component and /ring shows them', async () => {
    let ring = await cluster.ring();
    for (let i = 0; i < 50 && !ring.compaction_leader; i++) {  // Elected at the first loop step.
      await sleep(100);
      ring = await cluster.ring();
    }
    const targets = ring.members.flatMap((m) => m.targets);
    for (const [target, n] of [['distributor', 2], ['segment-writer', 3], ['metastore', 2],
      ['compaction-worker', 2], ['query-frontend', 1], ['query-backend', 2]]) {
      assert.equal(targets.filter((t) => t === target).length, n, `${target}s in ${JSON.stringify(ring.members)}`);
    }
    assert.equal(Object.values(ring.shards_by_writer).reduce((a, v) => a + v, 0), ring.shards);
    assert.equal(Object.keys(ring.shards_by_writer).length, 3);
    assert.match(ring.compaction_leader, /^compaction-worker-[12]$/);
  });

  test('kill -9 of a writer, a distributor, a metastore, the compaction leader, an etcd member and a query-backend under load: every acknowledged profile once',
    { timeout: 240_000 }, async () => {
      const l = load(cluster, 4);
      const steps = [];
      await sleep(3000);
      cluster.kill('segment-writer-1');  // Restarted on its volume: wal mode replays it.
      steps.push('segment-writer-1 killed');
      await sleep(2000);
      await cluster.restart('segment-writer-1');
      await sleep(2000);
      steps.push(...await killInTurn(cluster, [['distributor-2', 2000], ['metastore-1', 1000], [leaderOf, 4000]]));
      const leader = steps.at(-1).split(' ')[0];
      const next = await leaderOf(cluster);
      steps.push(...await killInTurn(cluster, [['etcd-0', 3000], ['query-backend-1', 3000]]));
      await l.stop();

      assert.notEqual(next, leader, 'another compaction-worker took over');
      assert.ok(l.acked.size > 200, `only ${l.acked.size} pushes acknowledged`);
      // Errors only from the distributor that was killed (its clients then moved on).
      const others = l.errors.filter((e) => e.distributor !== cluster.url('distributor-2'));
      assert.deepEqual(others, [], 'pushes to the live distributor failed');
      await expectAllOnce(cluster.frontend, l.acked, steps.join(', '));
      // The writers' retries show in the distributor's metrics, not as client errors.
      const metrics = (await httpRequest(cluster.distributors[0], '/metrics')).text;
      assert.ok(sampleValue(metrics, 'flamedb_distributor_segment_writes_total') > 0);
    });

  test('queries answer through the frontend after the kills, and the compaction-workers merged segments', async () => {
    const res = await httpRequest(cluster.frontend, '/pyroscope/label-values?label=service_name');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), ['svc0', 'svc1', 'svc2']);
    // Every compaction-worker merges (each merge under a job claim); one of them was killed.
    let made = 0;
    for (const name of ['compaction-worker-1', 'compaction-worker-2']) {
      const res = await httpRequest(cluster.url(name), '/metrics').catch(() => null);
      if (res?.status === 200) made += sampleValue(res.text, 'flamedb_compactor_blocks_made_total');
    }
    assert.ok(made > 0, 'the compaction-workers merged blocks');
    const ring = await cluster.ring();
    assert.ok(Array.isArray(ring.compaction_jobs), '/ring lists the compaction jobs');
  });

  test('every query method answers through the frontend as one query-backend alone does, also right after a backend died',
    { timeout: 120_000 }, async () => {
      await cluster.restart('query-backend-1');
      await expectSameAnswers(cluster.frontend, cluster.url('query-backend-2'));
      const frontendMetrics = async () => (await httpRequest(cluster.frontend, '/metrics')).text;
      assert.ok(sampleValue(await frontendMetrics(), 'flamedb_query_frontend_backend_requests_total') > 0,
        'the frontend sent work to the backends');
      // Requests backend-1 served: it is the first choice of some block.
      const served = samples((await httpRequest(cluster.url('query-backend-1'), '/metrics')).text,
        'pyroscope_request_duration_seconds_count')
        .filter((x) => /query.backend/.test(x.labels.route ?? '')).reduce((a, x) => a + x.value, 0);
      // Its membership outlives it by up to -cluster.member-ttl: its blocks go to the other one.
      cluster.kill('query-backend-1');
      await expectSameAnswers(cluster.frontend, cluster.url('query-backend-2'));
      if (served > 0) {
        assert.ok(sampleValue(await frontendMetrics(), 'flamedb_query_frontend_backend_retries_total') > 0,
          'blocks of the dead backend were sent to the live one');
      }
    });

  test('S3 stalled for a minute: pushes keep being acknowledged, and the segments catch up',
    { timeout: OUTAGE_MS + 180_000 }, async () => {
      const l = load(cluster, 4);
      await sleep(2000);
      await cluster.pauseBucket();
      let resumed = false;
      try {
        await sleep(OUTAGE_MS);
        const during = l.acked.size;
        await cluster.resumeBucket();
        resumed = true;
        await sleep(3000);
        await l.stop();
        // distributor-2 was killed above: its clients move to the live one at their first push.
        const failed = l.errors.filter((e) => e.distributor !== cluster.url('distributor-2'));
        assert.deepEqual(failed.slice(0, 5), [], 'pushes failed while the bucket hung');
        assert.ok(during > OUTAGE_MS / 100, `only ${during} pushes acknowledged by the end of the outage`);
      } finally {
        if (!resumed) await cluster.resumeBucket();
        await l.stop();
      }
      await expectAllOnce(cluster.frontend, l.acked, 'after the bucket came back');
    });
});

/** A merged pprof (Connect JSON) as "root;...;leaf" -> total, whatever its ids and order. */
function folded(p) {
  const s = (i) => p.stringTable[Number(i)];
  const fn = new Map((p.function ?? []).map((f) => [f.id, s(f.name)]));
  const loc = new Map((p.location ?? []).map((l) => [l.id, (l.line ?? []).map((x) => fn.get(x.functionId)).reverse()]));
  const out = {};
  for (const x of p.sample ?? []) {
    const key = [...x.locationId].reverse().flatMap((id) => loc.get(id)).join(';');
    out[key] = String(BigInt(out[key] ?? 0) + BigInt(x.value[0]));
  }
  // Sorted: the order of a profile's samples means nothing.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The same requests to the frontend (fanned out to the query-backends) and to one backend alone
 * (which runs them over every block itself): every answer must be the same. Retried for a few
 * seconds, since the two processes read the index on their own refresh.
 */
async function expectSameAnswers(frontend, backend, { skipMethods = [] } = {}) {
  const now = Date.now();
  const range = { start: String(now - 3_600_000), end: String(now) };
  const call = async (url, method, body) => {
    const res = await connectUnary(url, `/querier.v1.QuerierService/${method}`, JSON.stringify(body));
    assert.equal(res.status, 200, `${method} at ${url}: ${res.text}`);
    return method === 'SelectMergeProfile' ? folded(res.json()) : res.json();
  };
  const types = await call(backend, 'ProfileTypes', range);
  const cpu = types.profileTypes[0].ID;
  const stacks = (selector) => ({ profileTypeID: cpu, labelSelector: selector, ...range });
  const requests = [
    ['ProfileTypes', range],
    ['LabelNames', range],
    ['LabelValues', { name: 'service_name', ...range }],
    ['Series', { matchers: ['{service_name="svc1"}'], labelNames: ['service_name'], ...range }],
    ['SelectMergeStacktraces', { ...stacks('{}'), maxNodes: '4' }],
    ['SelectMergeStacktraces', { ...stacks('{service_name=~"svc[02]"}'), format: 'PROFILE_FORMAT_TREE' }],
    ['SelectMergeStacktraces', { ...stacks('{}'), stackTraceSelector: { callSite: [{ name: 'main' }, { name: 'work' }] } }],
    ['Diff', { left: stacks('{service_name="svc0"}'), right: stacks('{service_name="svc1"}') }],
    ['SelectSeries', { ...stacks('{}'), step: 5, groupBy: ['service_name'] }],
    ['SelectSeries', { ...stacks('{}'), step: 60, aggregation: 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE', limit: '2' }],
    ['SelectSeries', { ...stacks('{}'), step: 30, groupBy: ['service_name'], exemplarType: 'EXEMPLAR_TYPE_INDIVIDUAL' }],
    ['SelectHeatmap', { ...stacks('{}'), step: 30, groupBy: ['service_name'], queryType: 'HEATMAP_QUERY_TYPE_INDIVIDUAL', exemplarType: 'EXEMPLAR_TYPE_INDIVIDUAL' }],
    ['SelectHeatmap', { ...stacks('{}'), step: 60, queryType: 'HEATMAP_QUERY_TYPE_INDIVIDUAL', limit: '1' }],
    ['SelectMergeProfile', stacks('{service_name="svc2"}')],
    ['SelectMergeProfile', { ...stacks('{}'), maxNodes: '3' }],
    ['AnalyzeQuery', { query: `${cpu}{service_name="svc1"}`, ...range }],
    ['GetProfileStats', {}],
  ];
  let diffs = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    diffs = [];
    for (const [method, body] of requests) {
      if (skipMethods.includes(method)) continue;
      const [a, b] = [await call(frontend, method, body), await call(backend, method, body)];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        diffs.push(`${method} ${JSON.stringify(body).slice(0, 120)}: ${JSON.stringify(a).slice(0, 300)} vs ${JSON.stringify(b).slice(0, 300)}`);
      }
    }
    if (diffs.length === 0) break;
    await sleep(500);
  }
  assert.deepEqual(diffs, [], `the frontend and ${backend} answer differently`);
  const merged = await call(frontend, 'SelectMergeStacktraces', stacks('{}'));
  assert.ok(BigInt(merged.flamegraph.total) > 0n, 'the answers hold data');
}

describe('cluster mode, bucket acknowledgement, on S3', { skip }, () => {
  let cluster;
  before(async () => { cluster = await startCluster({ ack: 'bucket', flags: FLAGS }); });
  after(async () => { await cluster?.stop(); });

  test('kill -9 of a writer (for good), a distributor, a metastore, the compaction leader, an etcd member and a query-backend under load: nothing acknowledged is lost',
    { timeout: 180_000 }, async () => {
      const l = load(cluster, 4);
      await sleep(3000);
      // The writer is not restarted: its disk is gone with it.
      const steps = await killInTurn(cluster, [['segment-writer-2', 3000], ['distributor-2', 2000],
        ['metastore-1', 2000], [leaderOf, 3000], ['etcd-1', 3000], ['query-backend-2', 3000]]);
      await l.stop();
      // Bucket acks take a segment each: a slow host acknowledges a few a second per client.
      assert.ok(l.acked.size > 40, `only ${l.acked.size} pushes acknowledged`);
      // Errors only from the distributor that was killed (its clients then moved on).
      const others = l.errors.filter((e) => e.distributor !== cluster.url('distributor-2'));
      assert.deepEqual(others, [], 'pushes to the live distributor failed');
      await expectAllOnce(cluster.frontend, l.acked, steps.join(', '));
    });

  test('S3 stalled for a minute: pushes get 503 without hanging, and are acknowledged again by themselves after',
    { timeout: OUTAGE_MS + 180_000 }, async () => {
      const l = load(cluster, 4);
      await sleep(2000);
      await sleep(1000);
      const before = l.acked.size;
      await cluster.pauseBucket();
      let resumed = false;
      let refused;
      try {
        await sleep(OUTAGE_MS);
        // distributor-2 was killed above: its clients move to the live one at their first push.
        refused = l.errors.filter((e) => e.distributor !== cluster.url('distributor-2'));
        await cluster.resumeBucket();
        resumed = true;
        // Recovery by itself: pushes are acknowledged again, nothing restarted.
        const atResume = l.acked.size;
        for (let i = 0; i < 60 && l.acked.size < atResume + 20; i++) await sleep(500);
        assert.ok(l.acked.size >= atResume + 20, `${l.acked.size - atResume} pushes acknowledged in 30 s after the bucket came back`);
      } finally {
        if (!resumed) await cluster.resumeBucket();
        await l.stop();
      }
      assert.ok(before > 0, 'pushes were acknowledged before the outage');
      assert.ok(refused.length > 0, 'pushes were refused while the bucket hung');
      // Every refusal is a 503 naming the bucket, and none waited for the client's 15 s timeout.
      const ms = refused.map((e) => e.ms).sort((a, b) => a - b);
      console.log(`bucket ack outage: ${refused.length} refused, latency ms p50 ${ms[ms.length >> 1]} max ${ms[ms.length - 1]}`);
      for (const e of refused) {
        assert.equal(e.status, 503, `a push during the outage got ${e.status} after ${e.ms} ms: ${e.text}`);
        assert.match(e.text, /bucket/, 'the refusal names the bucket');
      }
      await expectAllOnce(cluster.frontend, l.acked, 'after the bucket came back');
    });
});

describe('cluster mode answers as the single binary does', { skip }, () => {
  let cluster;
  let single;
  before(async () => {
    cluster = await startCluster({ ack: 'wal', backend: 'filesystem', flags: FLAGS });
    single = await startServer(['-ingester.max-global-series-per-tenant=0', '-distributor.ingestion-rate-limit-mb=10000']);
  });
  after(async () => {
    await cluster?.stop();
    await single?.stop();
  });

  test('flame graphs, pprof exports, series and labels through the frontend equal the single binary\'s for the same pushes',
    { timeout: 120_000 }, async () => {
      // The same pushes, with their own timestamps, to a distributor and to the single binary.
      const now = Math.floor(Date.now() / 1000);
      for (let n = 0; n < 60; n++) {
        const from = now - 600 + n * 9;
        const name = `svc${n % 3}.cpu{pod=p${n % 2}}`;
        const body = `main;work;leaf${n % 5} ${10 + n}\nmain;idle ${n % 4 + 1}\n`;
        for (const url of [cluster.distributors[n % 2], single.baseUrl]) {
          const res = await ingest(url, { name, from, until: from + 1 }, body);
          assert.equal(res.status, 200, `push ${n} to ${url}: ${res.text}`);
        }
      }
      // AnalyzeQuery counts blocks and bytes, which differ by design (the single binary still
      // holds these pushes in its head, the cluster in segments).
      await expectSameAnswers(cluster.frontend, single.baseUrl, { skipMethods: ['AnalyzeQuery'] });
      // The distributors forwarded the pushes undecoded: the writers decoded every one of them.
      const received = async (name) => samples((await httpRequest(cluster.url(name), '/metrics')).text,
        'pyroscope_distributor_received_compressed_bytes_count').reduce((t, x) => t + x.value, 0);
      const decoded = { distributors: 0, writers: 0 };
      for (const n of [1, 2]) decoded.distributors += await received(`distributor-${n}`);
      for (const n of [1, 2, 3]) decoded.writers += await received(`segment-writer-${n}`);
      assert.deepEqual(decoded, { distributors: 0, writers: 60 });
    });

  test('cumulative heap profiles alternating between distributors get the single binary\'s deltas: the shard\'s writer keeps the baseline', { timeout: 60_000 }, async () => {
    const now = Date.now();
    const allocSpace = [100, 250, 450, 700];  // Cumulative; the growth is 150, 200, 250.
    for (let n = 0; n < allocSpace.length; n++) {
      const p = buildProfile({ sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes']], periodType: ['space', 'bytes'], period: 524288,
        timeNanos: BigInt(now - 60_000 + n * 10_000) * 1_000_000n, stacks: [{ frames: ['main', 'alloc'], values: [allocSpace[n] / 10, allocSpace[n]] }] });
      const body = JSON.stringify({ series: [{ labels: [{ name: '__name__', value: 'memory' }, { name: 'service_name', value: 'delta-app' }],
        samples: [{ rawProfile: gzipProfile(p).toString('base64') }] }] });
      for (const url of [cluster.distributors[n % 2], single.baseUrl]) {
        const res = await fetch(`${url}/push.v1.PusherService/Push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        assert.equal(res.status, 200, `push ${n} to ${url}: ${await res.text()}`);
      }
    }
    const total = async (url) => {
      const res = await fetch(`${url}/querier.v1.QuerierService/SelectMergeStacktraces`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ profileTypeID: 'memory:alloc_space:bytes:space:bytes', labelSelector: '{service_name="delta-app"}', start: String(now - 120_000), end: String(now + 60_000) }),
      });
      return Number((await res.json()).flamegraph?.total ?? 0);
    };
    assert.equal(await total(single.baseUrl), 600, 'the single binary stores the growth');
    let got = 0;
    for (let i = 0; i < 50 && got !== 600; i++) {  // Queryable once the segments are in.
      got = await total(cluster.frontend);
      if (got !== 600) await sleep(200);
    }
    assert.equal(got, 600, 'the cluster stores the same growth');
  });

  test('a client\'s mistake gets the same 4xx from a distributor, which forwards pushes undecoded, as from the single binary', { timeout: 60_000 }, async () => {
    const push = (rawProfile, labels) => JSON.stringify({ series: [{ labels, samples: [{ rawProfile: Buffer.from(rawProfile).toString('base64') }] }] });
    const cpu = [{ name: '__name__', value: 'process_cpu' }, { name: 'service_name', value: 'bad-app' }];
    const cases = [
      ['/ingest?name=&from=1&until=2', 'text/plain', 'main;work 1\n'],
      ['/ingest?name=bad-app.cpu&format=folded', 'text/plain', 'main;work x\n'],
      ['/ingest?name=bad-app&format=pprof', 'application/octet-stream', 'not a profile at all'],
      ['/push.v1.PusherService/Push', 'application/json', push('not a profile at all', cpu)],
      ['/push.v1.PusherService/Push', 'application/json', push('\x1f\x8b\x08\x00broken gzip', cpu)],
    ];
    for (const [target, contentType, body] of cases) {
      const answers = [];
      for (const url of [cluster.distributors[0], single.baseUrl]) {
        const res = await fetch(url + target, { method: 'POST', headers: { 'Content-Type': contentType }, body });
        answers.push({ status: res.status, body: await res.text() });
      }
      assert.ok(answers[0].status >= 400 && answers[0].status < 500, `${target}: ${JSON.stringify(answers[0])}`);
      assert.deepEqual(answers[0], answers[1], `${target}: the distributor answers as the single binary`);
    }
  });
});
