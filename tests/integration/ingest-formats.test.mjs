// The ingest contract, format by format (shared spec pyroscope-api §2): how /ingest picks the
// payload format, what the name's suffix and sampleRate make of text formats, how pprof profiles
// are named, Connect Push in its encodings, labels, tenants, limits (rate, body size, runtime
// overrides) and the distributor metrics. What the server accepted is read back from
// GET /debug/ingested (tenant-scoped; totals are exact int64 sums per profile type id).
//
// Tests marked "(needs tree format)", "(needs trie format)" and "(needs speedscope format)"
// cover formats being implemented; until then the server answers them with 501.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { describe as describeRes, httpRequest, RawConn, requestHead } from './lib/http.mjs';
import { encodeTree, encodeTrie, speedscopeFile } from './lib/formats.mjs';
import {
  assertAccepted, assertError, discardedByReason, getIngested, ingest, metricsText, multipart,
  push, seriesMatching, totalsMatching, uniqueTenant,
} from './lib/ingest.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { buildProfile, cpuProfile, encodeProfile } from './lib/pprof.mjs';
import { makeTempDir, runFlamedb, startServer } from './lib/server.mjs';

const T = { timeout: 30_000 };
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));
const gz = (b) => zlib.gzipSync(b);

/** Posts, expects a 200 with an empty body, returns what the tenant has stored. */
async function accepted(srv, tenant, res, what) {
  assertAccepted(res, what);
  assert.equal(res.text, '', `${what}: /ingest answers success with an empty body; got ${JSON.stringify(res.text)}`);
  return getIngested(srv.baseUrl, tenant);
}

function assertTotals(ing, match, expected, what) {
  assert.deepEqual(totalsMatching(ing, match), expected, `${what}: totals of series ${fmt(match)}; all series: ${fmt(ing.series)}`);
}

describe('ingest formats and the contract around them', () => {
  let srv;
  before(async () => { srv = await startServer(['-auth.multitenancy-enabled']); });
  after(async () => { await srv?.stop(); });

  describe('folded text (no format, format=folded|collapsed|groups)', () => {
    // Stored labels: __name__, pyroscope_spy, service_name and the name's labels. The legacy path
    // also sets __delta__="false", which (spec §2.4.7) is consumed and not stored.
    test('app.cpu: counts × (1e9 / sampleRate) ns, legacy labels, empty 200 body', T, async () => {
      const t = uniqueTenant('folded');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'foldapp.cpu', spyName: 'rbspy' }, 'main;work;leaf 3\nmain;other 4\n', { tenant: t }), 'folded');
      assert.deepEqual(ing.series.map((s) => s.labels), [{ __name__: 'process_cpu', pyroscope_spy: 'rbspy', service_name: 'foldapp' }]);
      assert.equal(ing.series[0].profiles, 1);
      assert.deepEqual(ing.series[0].totals, { [CPU]: 70_000_000n }, '7 samples at the default 100 Hz = 7 × 10 ms');
    });

    test('format=folded, collapsed, groups and none are the same format; /pyroscope/ingest too', T, async () => {
      const t = uniqueTenant('folded-alias');
      for (const [format, p] of [[undefined, '/ingest'], ['folded', '/ingest'], ['collapsed', '/ingest'], ['groups', '/ingest'], [undefined, '/pyroscope/ingest']]) {
        const params = { name: 'alias.cpu', ...(format ? { format } : {}) };
        assertAccepted(await ingest(srv.baseUrl, params, 'main;a 1\n', { tenant: t, path: p }), `format=${format} on ${p}`);
      }
      const ing = await getIngested(srv.baseUrl, t);
      assert.equal(ing.series.length, 1, fmt(ing.series));
      assert.equal(ing.series[0].profiles, 5);
      assert.deepEqual(ing.series[0].totals, { [CPU]: 50_000_000n });
    });

    test('sampleRate=250 → period 4 ms; sampleRate=99 → floor(1e9/99); sampleRate=0 → samples:count; junk → 100', T, async () => {
      const t = uniqueTenant('rate');
      await ingest(srv.baseUrl, { name: 'r250.cpu', sampleRate: '250' }, 'main;a 5\n', { tenant: t });
      await ingest(srv.baseUrl, { name: 'r99.cpu', sampleRate: '99' }, 'main;a 5\n', { tenant: t });
      await ingest(srv.baseUrl, { name: 'r0.cpu', sampleRate: '0' }, 'main;a 5\n', { tenant: t });
      await ingest(srv.baseUrl, { name: 'rjunk.cpu', sampleRate: 'abc' }, 'main;a 5\n', { tenant: t });
      const ing = await getIngested(srv.baseUrl, t);
      assertTotals(ing, { service_name: 'r250' }, { [CPU]: 20_000_000n }, 'sampleRate=250');
      assertTotals(ing, { service_name: 'r99' }, { [CPU]: 5n * 10_101_010n }, 'sampleRate=99');
      assertTotals(ing, { service_name: 'r0' }, { 'process_cpu:samples:count::': 5n }, 'sampleRate=0');
      assertTotals(ing, { service_name: 'rjunk' }, { [CPU]: 50_000_000n }, 'sampleRate=abc');
    });

    test('the last dot-separated part of the name picks the profile type', T, async () => {
      const t = uniqueTenant('suffix');
      const cases = [
        ['plain', 'plain', { [CPU]: 20_000_000n }],
        ['s.itimer', 's', { [CPU]: 20_000_000n }],
        ['s.wall', 's', { 'wall:wall:nanoseconds:cpu:nanoseconds': 20_000_000n }],
        ['s.inuse_space', 's', { 'memory:inuse_space:bytes::': 2n }],
        ['s.inuse_objects', 's', { 'memory:inuse_objects:count::': 2n }],
        ['s.alloc_space', 's', { 'memory:alloc_space:bytes::': 2n }],
        ['s.alloc_objects', 's', { 'memory:alloc_objects:count::': 2n }],
        ['s.goroutines', 's', { 'goroutine:goroutines:count::': 2n }],
        ['s.mutex_count', 's', { 'mutex:contentions:count::': 2n }],
        ['s.mutex_duration', 's', { 'mutex:delay:nanoseconds::': 2n }],
        ['s.block_count', 's', { 'block:contentions:count::': 2n }],
        ['s.lock_duration', 's', { 'block:delay:nanoseconds::': 2n }],
        ['s.exceptions', 's', { 'exceptions:samples:count::': 2n }],
        ['s.bytes', 's', { 'memory:samples:bytes::': 2n }],
        ['s.live', 's', { 'memory:live:count::': 2n }],
        ['my.dotted.app.cpu', 'my.dotted.app', { [CPU]: 20_000_000n }],
      ];
      for (const [name, service, totals] of cases) {
        const tt = `${t}-${cases.findIndex((c) => c[0] === name)}`;
        assertAccepted(await ingest(srv.baseUrl, { name }, 'main;a 2\n', { tenant: tt }), name);
        const ing = await getIngested(srv.baseUrl, tt);
        assert.equal(ing.series.length, 1, `${name}: one series; got ${fmt(ing.series)}`);
        assert.equal(ing.series[0].labels.service_name, service, `${name}: service_name`);
        assert.deepEqual(ing.series[0].totals, totals, `${name}: totals`);
      }
      const res = await ingest(srv.baseUrl, { name: 'python.example' }, 'main;a 1\n', { tenant: t });
      assertError(res, 400, 'invalid_argument', 'unknown profile type: example', 'unknown suffix');
    });

    test('name labels: dots become underscores, __private dropped, service_name given → app_name', T, async () => {
      const t = uniqueTenant('labels');
      await ingest(srv.baseUrl, { name: 'lab.cpu{env=prod,k8s.pod.name=p-1,__hidden__=x}' }, 'main;a 1\n', { tenant: t });
      await ingest(srv.baseUrl, { name: 'appname.cpu{service_name=svc}' }, 'main;a 1\n', { tenant: t });
      const ing = await getIngested(srv.baseUrl, t);
      assert.deepEqual(seriesMatching(ing, { service_name: 'lab' }).map((s) => s.labels),
        [{ __name__: 'process_cpu', env: 'prod', k8s_pod_name: 'p-1', pyroscope_spy: 'unknown', service_name: 'lab' }]);
      assert.deepEqual(seriesMatching(ing, { service_name: 'svc' }).map((s) => s.labels),
        [{ __name__: 'process_cpu', app_name: 'appname', pyroscope_spy: 'unknown', service_name: 'svc' }]);
    });

    test('name errors are 400 with the problem named', T, async () => {
      const t = uniqueTenant('name-err');
      assertError(await ingest(srv.baseUrl, { name: 'bad app.cpu' }, 'main;a 1\n', { tenant: t }), 400, 'invalid_argument', 'name: invalid service name:', 'space in app name');
      assertError(await ingest(srv.baseUrl, { name: 'app.cpu{bad-key=v}' }, 'main;a 1\n', { tenant: t }), 400, 'invalid_argument', 'invalid label name', 'dash in label name');
      assertError(await ingest(srv.baseUrl, {}, 'main;a 1\n', { tenant: t }), 400, 'invalid_argument', 'name', 'no name');
      assert.equal((await getIngested(srv.baseUrl, t)).series.length, 0);
    });

    test('folded duplicates are merged before the samples limit (20,000 lines of 3 stacks)', T, async () => {
      const t = uniqueTenant('dups');
      const body = Array.from({ length: 20_000 }, (_, i) => `main;w${i % 3} 1\n`).join('');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'dups.cpu' }, body, { tenant: t }), '20,000 folded lines, 3 distinct stacks');
      assertTotals(ing, { service_name: 'dups' }, { [CPU]: 200_000_000_000n }, 'folded duplicates');
    });
  });

  describe('format=lines', () => {
    test('identical lines are counted; 20,000 lines of 3 distinct stacks are one small profile', T, async () => {
      const t = uniqueTenant('lines');
      const ing1 = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'lines.cpu', format: 'lines' }, 'main;a\nmain;a\n\nmain;b\n', { tenant: t }), 'lines');
      assertTotals(ing1, { service_name: 'lines' }, { [CPU]: 30_000_000n }, 'lines');
      const body = Array.from({ length: 20_000 }, (_, i) => `main;w${i % 3}`).join('\n');
      const ing2 = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'manylines.cpu', format: 'lines' }, body, { tenant: t }), '20,000 lines');
      assertTotals(ing2, { service_name: 'manylines' }, { [CPU]: 200_000_000_000n }, '20,000 lines');
    });
  });

  describe('binary tree (needs tree format)', () => {
    const stacks = [
      { frames: ['main', 'work', 'leaf'], value: 3 },
      { frames: ['main', 'work'], value: 2 },
      { frames: ['main', 'other'], value: 4 },
      { frames: ['main', 'zero'], value: 0 },
    ];
    test('format=tree: self values of every path are stored', T, async () => {
      const t = uniqueTenant('tree');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'treeapp.cpu', format: 'tree' }, encodeTree(stacks), { tenant: t }), 'format=tree');
      assertTotals(ing, { service_name: 'treeapp' }, { [CPU]: 90_000_000n }, 'tree');
    });
    test('Content-Type binary/octet-stream+tree selects tree without format=', T, async () => {
      const t = uniqueTenant('tree-ct');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'treect.alloc_space' }, encodeTree(stacks), { tenant: t, contentType: 'binary/octet-stream+tree' }), 'tree by Content-Type');
      assertTotals(ing, { service_name: 'treect' }, { 'memory:alloc_space:bytes::': 9n }, 'tree by Content-Type');
    });
  });

  describe('binary trie (needs trie format)', () => {
    // Keys main;foo=5 main;fff=2 main=1 other;x=7; labels are byte fragments ("main;f" + "oo").
    const trie = encodeTrie(['', 0, [
      ['main', 1, [[';f', 0, [['oo', 5], ['ff', 2]]]]],
      ['other;x', 7],
    ]]);
    test('format=trie: every node with a value is a stack', T, async () => {
      const t = uniqueTenant('trie');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'trieapp.cpu', format: 'trie' }, trie, { tenant: t }), 'format=trie');
      assertTotals(ing, { service_name: 'trieapp' }, { [CPU]: 150_000_000n }, 'trie');
    });
    test('Content-Type binary/octet-stream+trie selects trie; trie wins over format=tree', T, async () => {
      const t = uniqueTenant('trie-ct');
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'triect.goroutines', format: 'tree' }, trie, { tenant: t, contentType: 'binary/octet-stream+trie' }), 'trie by Content-Type');
      assertTotals(ing, { service_name: 'triect' }, { 'goroutine:goroutines:count::': 15n }, 'trie by Content-Type');
    });
  });

  describe('speedscope (needs speedscope format)', () => {
    test('one sampled profile in milliseconds: weights stored as nanoseconds; profile_name label', T, async () => {
      const t = uniqueTenant('speedscope');
      const doc = speedscopeFile(['main', 'work', 'leaf'], [
        { type: 'sampled', name: 'thread-1', unit: 'milliseconds', startValue: 0, endValue: 20, samples: [[0, 1, 2], [0, 1], [0, 1, 2]], weights: [5, 3, 2] },
      ]);
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'ssapp.cpu', format: 'speedscope' }, doc, { tenant: t, contentType: 'application/json' }), 'speedscope');
      assertTotals(ing, { service_name: 'ssapp' }, { [CPU]: 10_000_000n }, 'speedscope sampled, 10 ms');
      assert.deepEqual(seriesMatching(ing, { service_name: 'ssapp' }).map((s) => s.labels.profile_name), ['thread-1'], fmt(ing.series));
    });
    test('evented profile: self time from open/close events', T, async () => {
      const t = uniqueTenant('speedscope-ev');
      const doc = speedscopeFile(['main', 'work'], [
        { type: 'evented', name: 'ev', unit: 'milliseconds', startValue: 0, endValue: 10, events: [
          { type: 'O', frame: 0, at: 0 }, { type: 'O', frame: 1, at: 2 }, { type: 'C', frame: 1, at: 7 }, { type: 'C', frame: 0, at: 10 }] },
      ]);
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'ssev.cpu', format: 'speedscope' }, doc, { tenant: t }), 'speedscope evented');
      assertTotals(ing, { service_name: 'ssev' }, { [CPU]: 10_000_000n }, 'speedscope evented, 10 ms');
    });
    test('several profiles: the unit becomes the name suffix (milliseconds → wall, bytes → memory)', T, async () => {
      const t = uniqueTenant('speedscope-multi');
      const doc = speedscopeFile(['main', 'alloc'], [
        { type: 'sampled', name: 'time', unit: 'milliseconds', startValue: 0, endValue: 10, samples: [[0, 1]], weights: [4] },
        { type: 'sampled', name: 'mem', unit: 'bytes', startValue: 0, endValue: 10, samples: [[0, 1], [0]], weights: [4096, 10] },
      ]);
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'ssmulti', format: 'speedscope' }, doc, { tenant: t }), 'speedscope, two profiles');
      assertTotals(ing, { service_name: 'ssmulti', __name__: 'wall' }, { 'wall:wall:nanoseconds:cpu:nanoseconds': 4_000_000n }, 'milliseconds profile');
      assertTotals(ing, { service_name: 'ssmulti', __name__: 'memory' }, { 'memory:samples:bytes::': 4106n }, 'bytes profile');
    });
  });

  describe('format=pprof (gzip or raw)', () => {
    test('CPU pprof: sampleRate and units ignored, values as in the profile', T, async () => {
      const t = uniqueTenant('pprof');
      const { profile, totals } = cpuProfile({ counts: [3, 5] });
      const ing = await accepted(srv, t, await ingest(srv.baseUrl, { name: 'pp{env=x}', format: 'pprof', sampleRate: '17', units: 'objects', spyName: 'nodespy' }, gz(encodeProfile(profile)), { tenant: t }), 'pprof');
      assert.deepEqual(ing.series.map((s) => s.labels), [{ __name__: 'process_cpu', env: 'x', pyroscope_spy: 'nodespy', service_name: 'pp' }]);
      assert.deepEqual(ing.series[0].totals, { 'process_cpu:samples:count:cpu:nanoseconds': totals[0], [CPU]: totals[1] });
    });

    test('the metric comes from the sample types', T, async () => {
      const t = uniqueTenant('metric');
      const kinds = [
        ['wallp', [['samples', 'count'], ['wall', 'nanoseconds']], ['wall', 'nanoseconds'], 'wall'],
        ['heapp', [['alloc_objects', 'count'], ['alloc_space', 'bytes']], ['space', 'bytes'], 'memory'],
        ['nodeheap', [['objects', 'count'], ['space', 'bytes']], ['space', 'bytes'], 'memory'],
        ['gor', [['goroutine', 'count']], ['goroutine', 'count'], 'goroutines'],
        ['mtx', [['contentions', 'count'], ['delay', 'nanoseconds']], ['contentions', 'count'], 'mutex'],
        ['custom', [['foo', 'count'], ['bar', 'bytes']], undefined, 'bar'],
      ];
      for (const [app, types, periodType, metric] of kinds) {
        const p = buildProfile({ sampleTypes: types, periodType, period: 1, stacks: [{ frames: ['m', 'x'], values: types.map((_, i) => i + 1) }] });
        assertAccepted(await ingest(srv.baseUrl, { name: app, format: 'pprof' }, encodeProfile(p), { tenant: t }), app);
        const ing = await getIngested(srv.baseUrl, t);
        const s = seriesMatching(ing, { service_name: app });
        assert.deepEqual(s.map((x) => x.labels.__name__), [metric], `${app}: __name__; got ${fmt(s)}`);
        assert.deepEqual(s[0].totals, Object.fromEntries(types.map(([ty, u], i) => [`${metric}:${ty}:${u}:${periodType?.[0] ?? ''}:${periodType?.[1] ?? ''}`, BigInt(i + 1)])), `${app}: totals`);
      }
    });

    test('pprof sample labels split the profile into series; request labels win; profile_id does not split', T, async () => {
      const t = uniqueTenant('split');
      const p = buildProfile({
        sampleTypes: [['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], period: 1,
        stacks: [
          { frames: ['m', 'a'], values: [1], labels: { workload: 'a' } },
          { frames: ['m', 'b'], values: [2], labels: { workload: 'b', profile_id: 'f00d' } },
          { frames: ['m', 'c'], values: [4], labels: { workload: 'b', env: 'sample-env' } },
          { frames: ['m', 'd'], values: [8] },
        ],
      });
      assertAccepted(await push(srv.baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'split', env: 'request-env' }, samples: [{ rawProfile: gz(encodeProfile(p)) }] }], { tenant: t }), 'split');
      const ing = await getIngested(srv.baseUrl, t);
      const byWorkload = Object.fromEntries(ing.series.map((s) => [s.labels.workload ?? '-', s.totals[CPU]]));
      assert.deepEqual(byWorkload, { a: 1n, b: 6n, '-': 8n }, `series by workload: ${fmt(ing.series)}`);
      assert.ok(ing.series.every((s) => s.labels.env === 'request-env' && s.labels.profile_id === undefined && s.labels.span_id === undefined), fmt(ing.series));
    });
  });

  describe('Go SDK multipart (Content-Type multipart/form-data, no format=)', () => {
    test('profile + sample_type_config: display names choose the metric', T, async () => {
      const t = uniqueTenant('multipart');
      const p = buildProfile({ sampleTypes: [['contentions', 'count'], ['delay', 'nanoseconds']], periodType: ['contentions', 'count'], period: 1, stacks: [{ frames: ['m', 'lock'], values: [3, 300] }] });
      for (const [app, display] of [['blk', 'block'], ['mtx', 'mutex']]) {
        const { body, contentType } = multipart([
          { name: 'profile', filename: 'profile.pprof', contentType: 'application/octet-stream', body: gz(encodeProfile(p)) },
          { name: 'sample_type_config', filename: 'sample_type_config.json', contentType: 'application/octet-stream',
            body: JSON.stringify({ contentions: { units: 'lock_samples', 'display-name': `${display}_count` }, delay: { units: 'lock_nanoseconds', 'display-name': `${display}_duration` } }) },
        ]);
        assertAccepted(await ingest(srv.baseUrl, { name: app, spyName: 'gospy', sampleRate: '0', units: '', aggregationType: '' }, body, { tenant: t, contentType }), app);
      }
      const ing = await getIngested(srv.baseUrl, t);
      assertTotals(ing, { service_name: 'blk' }, { 'block:contentions:count:contentions:count': 3n, 'block:delay:nanoseconds:contentions:count': 300n }, 'block');
      assertTotals(ing, { service_name: 'mtx' }, { 'mutex:contentions:count:contentions:count': 3n, 'mutex:delay:nanoseconds:contentions:count': 300n }, 'mutex');
    });
  });

  describe('other formats', () => {
    test('format=jfr with a body that is not a recording is 400 naming the problem (ingest-jfr.test.mjs has real recordings)', T, async () => {
      assertError(await ingest(srv.baseUrl, { name: 'j', format: 'jfr' }, 'FLR\0', { tenant: uniqueTenant('jfr') }), 400, 'invalid_argument', 'malformed JFR', 'format=jfr');
    });
    test('an unknown format is 400 "unknown format"', T, async () => {
      assertError(await ingest(srv.baseUrl, { name: 'u.cpu', format: 'protobuf' }, 'main;a 1\n', { tenant: uniqueTenant('unk') }), 400, 'invalid_argument', 'unknown format', 'format=protobuf');
    });
  });

  describe('Connect Push', () => {
    const { profile, totals } = cpuProfile({ counts: [2, 7] });
    const series = (svc, raw) => [{ labels: { __name__: 'process_cpu', service_name: svc, 'otel.scope.name': 'scope', __profile_type__: 'client-set' }, samples: [{ rawProfile: raw, id: '3f0c8c4e-0000-4000-8000-000000000000' }] }];
    for (const [mode, opts, raw] of [
      ['application/proto, gzip raw_profile', {}, () => gz(encodeProfile(profile))],
      ['application/json, gzip raw_profile', { json: true }, () => gz(encodeProfile(profile))],
      ['application/proto, Content-Encoding: gzip, raw pprof inside (pyroscope-rs)', { gzip: true }, () => encodeProfile(profile)],
      ['application/json, Content-Encoding: gzip', { json: true, gzip: true }, () => gz(encodeProfile(profile))],
    ]) {
      test(`Push in ${mode}`, T, async () => {
        const t = uniqueTenant('push');
        const res = await push(srv.baseUrl, series('pushsvc', raw()), { tenant: t, ...opts });
        assert.equal(res.status, 200, describeRes(res));
        if (opts.json) assert.equal(res.text.trim(), '{}', 'an empty PushResponse in JSON is {}');
        else assert.equal(res.body.length, 0, 'an empty PushResponse in proto is zero bytes');
        const ing = await getIngested(srv.baseUrl, t);
        assert.deepEqual(ing.series.map((s) => s.labels), [{ __name__: 'process_cpu', otel_scope_name: 'scope', service_name: 'pushsvc' }],
          'labels as sent, dots → underscores, server-owned __profile_type__ dropped');
        assert.deepEqual(ing.series[0].totals, { 'process_cpu:samples:count:cpu:nanoseconds': totals[0], [CPU]: totals[1] });
      });
    }

    test('server-side delta (spec §2.4.7): memory alloc_* without __delta__="false" store differences; the first is a baseline', T, async () => {
      const t = uniqueTenant('delta');
      const heap = (alloc, inuse) => gz(encodeProfile(buildProfile({
        sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
        periodType: ['space', 'bytes'], period: 524288,
        stacks: [{ frames: ['main', 'alloc'], values: [alloc, alloc * 10, inuse, inuse * 10] }],
      })));
      const send = (raw) => push(srv.baseUrl, [{ labels: { __name__: 'memory', service_name: 'deltasvc' }, samples: [{ rawProfile: raw }] }], { tenant: t });
      assertAccepted(await send(heap(10, 1)), 'first heap profile');
      assertTotals(await getIngested(srv.baseUrl, t), { service_name: 'deltasvc' },
        { 'memory:inuse_objects:count:space:bytes': 1n, 'memory:inuse_space:bytes:space:bytes': 10n }, 'after the first: alloc_* is only the baseline');
      assertAccepted(await send(heap(15, 2)), 'second heap profile');
      assertTotals(await getIngested(srv.baseUrl, t), { service_name: 'deltasvc' }, {
        'memory:alloc_objects:count:space:bytes': 5n, 'memory:alloc_space:bytes:space:bytes': 50n,
        'memory:inuse_objects:count:space:bytes': 3n, 'memory:inuse_space:bytes:space:bytes': 30n,
      }, 'after the second: alloc_* are the differences, inuse_* as sent');
      const ing = await getIngested(srv.baseUrl, t);
      assert.ok(ing.series.every((s) => s.labels.__delta__ === undefined), `__delta__ is never stored: ${fmt(ing.series)}`);
    });

    test('several series and samples in one request are all stored', T, async () => {
      const t = uniqueTenant('push-batch');
      const raw = gz(encodeProfile(profile));
      assertAccepted(await push(srv.baseUrl, [
        { labels: { __name__: 'process_cpu', service_name: 'b1' }, samples: [{ rawProfile: raw }, { rawProfile: raw }] },
        { labels: { __name__: 'process_cpu', service_name: 'b2' }, samples: [{ rawProfile: raw }] },
      ], { tenant: t }), 'batch');
      const ing = await getIngested(srv.baseUrl, t);
      assert.deepEqual(ing.series.map((s) => [s.labels.service_name, s.profiles, s.totals[CPU]]), [['b1', 2, 2n * totals[1]], ['b2', 1, totals[1]]]);
    });
  });

  describe('tenants', () => {
    test('no X-Scope-OrgID → 401 on /ingest, Push and /debug/ingested', T, async () => {
      assertError(await ingest(srv.baseUrl, { name: 'a.cpu' }, 'main;a 1\n'), 401, 'unauthenticated', 'no org id', '/ingest');
      assertError(await push(srv.baseUrl, series1()), 401, 'unauthenticated', 'no org id', 'Push');
      assertError(await httpRequest(srv.baseUrl, '/debug/ingested'), 401, 'unauthenticated', 'no org id', '/debug/ingested');
    });
    test('what one tenant wrote is not visible to another', T, async () => {
      const a = uniqueTenant('iso-a');
      const b = uniqueTenant('iso-b');
      assertAccepted(await ingest(srv.baseUrl, { name: 'iso.cpu' }, 'main;a 1\n', { tenant: a }), 'tenant a');
      assert.equal((await getIngested(srv.baseUrl, a)).series.length, 1);
      assert.equal((await getIngested(srv.baseUrl, b)).series.length, 0);
    });
  });

  describe('distributor metrics', () => {
    test('received compressed/decompressed bytes and samples per profile, by type and tenant', T, async () => {
      const t = uniqueTenant('metrics');
      const { profile } = cpuProfile({ counts: [1, 2, 3] });
      const raw = encodeProfile(profile);
      const packed = gz(raw);
      assertAccepted(await ingest(srv.baseUrl, { name: 'm', format: 'pprof' }, packed, { tenant: t }), 'pprof');
      const text = await metricsText(srv.baseUrl);
      const v = (name) => sampleValue(text, name, { type: 'process_cpu', tenant: t });
      assert.equal(v('pyroscope_distributor_received_compressed_bytes_count'), 1);
      assert.equal(v('pyroscope_distributor_received_compressed_bytes_sum'), packed.length);
      assert.equal(v('pyroscope_distributor_received_decompressed_bytes_count'), 1);
      assert.equal(v('pyroscope_distributor_received_decompressed_bytes_sum'), raw.length);
      assert.equal(v('pyroscope_distributor_received_samples_count'), 1);
      assert.equal(v('pyroscope_distributor_received_samples_sum'), 3);
    });
  });
});

function series1() {
  return [{ labels: { __name__: 'process_cpu', service_name: 'x' }, samples: [{ rawProfile: gz(encodeProfile(cpuProfile().profile)) }] }];
}

describe('limits', () => {
  let srv;
  let overridesFile;
  before(async () => {
    const dir = await makeTempDir('flamedb-limits-');
    overridesFile = path.join(dir, 'runtime.yaml');
    writeFileSync(overridesFile, [
      'overrides:',
      '  slow:',
      '    ingestion_rate_mb: 0.0001',
      '    ingestion_burst_size_mb: 0.01',
      '    max_profile_size_bytes: 65536',
      '  slow-push:',
      '    ingestion_rate_mb: 0.0001',
      '    ingestion_burst_size_mb: 0',
      '    max_profile_size_bytes: 65536',
      '',
    ].join('\n'));
    srv = await startServer(['-auth.multitenancy-enabled', `-runtime-config.file=${overridesFile}`, '-runtime-config.reload-period=200ms']);
  });
  after(async () => { await srv?.stop(); });

  /** ~51 KB of folded text with distinct stacks. */
  const body50k = (tag) => Array.from({ length: 3000 }, (_, i) => `main;${tag};f${String(i).padStart(6, '0')} 1\n`).join('');

  test('rate limit: 429 resource_exhausted "push rate limit (X) exceeded while adding Y"; the burst never drops below the largest legal profile', T, async () => {
    // Burst 0.01 MiB is below max_profile_size_bytes (64 KiB), so the bucket holds 64 KiB + 64 KiB:
    // two 50 KB profiles fit (each alone is larger than the configured burst), the third does not.
    const body = body50k('x');
    assert.ok(body.length > 0.01 * 1048576 && body.length < 65536, `test body is ${body.length} bytes`);
    assertAccepted(await ingest(srv.baseUrl, { name: 'rl.cpu' }, body, { tenant: 'slow' }), 'first 50 KB');
    assertAccepted(await ingest(srv.baseUrl, { name: 'rl.cpu' }, body50k('y'), { tenant: 'slow' }), 'second 50 KB');
    const res = await ingest(srv.baseUrl, { name: 'rl.cpu' }, body50k('z'), { tenant: 'slow' });
    assertError(res, 429, 'resource_exhausted', [/push rate limit \(.+\) exceeded while adding .+/], 'third 50 KB');
    assert.deepEqual(await discardedByReason(srv.baseUrl, 'slow'), { rate_limited: 1 });
    const ing = await getIngested(srv.baseUrl, 'slow');
    assert.equal(ing.series[0].profiles, 2, fmt(ing.series));
  });

  test('rate limit on Push and on /ingest?format=pprof is 429 too (not 422)', T, async () => {
    const big = buildProfile({ stacks: [{ frames: ['m', 'x'], values: [1] }] });
    big.stringTable.push('p'.repeat(60_000));
    const raw = encodeProfile(big);
    assertAccepted(await push(srv.baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'rlp' }, samples: [{ rawProfile: raw }] }], { tenant: 'slow-push' }), 'first Push');
    assertAccepted(await push(srv.baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'rlp' }, samples: [{ rawProfile: raw }] }], { tenant: 'slow-push' }), 'second Push');
    assertError(await push(srv.baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'rlp' }, samples: [{ rawProfile: raw }] }], { tenant: 'slow-push' }),
      429, 'resource_exhausted', 'push rate limit', 'third Push');
    assertError(await ingest(srv.baseUrl, { name: 'rlp', format: 'pprof' }, gz(raw), { tenant: 'slow-push' }), 429, 'resource_exhausted', 'push rate limit', '/ingest pprof');
    assert.deepEqual(await discardedByReason(srv.baseUrl, 'slow-push'), { rate_limited: 2 });
  });

  test('runtime overrides are reloaded: a tenant limit set, then removed, while running', T, async () => {
    const t = 'reloaded';
    const labels = { __name__: 'process_cpu', service_name: 'rl', a: '1', b: '2', c: '3' };
    const send = () => push(srv.baseUrl, [{ labels, samples: [{ rawProfile: gz(encodeProfile(cpuProfile().profile)) }] }], { tenant: t });
    assertAccepted(await send(), 'before the override (5 labels, limit 30)');
    const original = (await import('node:fs')).readFileSync(overridesFile, 'utf8');
    writeFileSync(overridesFile, `${original}  ${t}:\n    max_label_names_per_series: 4\n`);
    let res;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await delay(100)) {
      res = await send();
      if (res.status !== 200) break;
    }
    assertError(res, 400, 'invalid_argument', 'has 5 label names; limit 4', 'after the override was written');
    writeFileSync(overridesFile, original);
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await delay(100)) {
      res = await send();
      if (res.status === 200) break;
    }
    assertAccepted(res, 'after the override was removed');
  });

  test('bodies up to the limits are read whole: a 2 MiB raw pprof on /ingest and Push is accepted', T, async () => {
    const t = uniqueTenant('big-body');
    const p = buildProfile({ stacks: [{ frames: ['m', 'x'], values: [5] }] });
    p.stringTable.push('y'.repeat(2 << 20));
    const raw = encodeProfile(p);
    assertAccepted(await ingest(srv.baseUrl, { name: 'bigbody', format: 'pprof' }, raw, { tenant: t }), '2 MiB /ingest body');
    assertAccepted(await push(srv.baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'bigbody' }, samples: [{ rawProfile: raw }] }], { tenant: t }), '2 MiB Push body');
    const ing = await getIngested(srv.baseUrl, t);
    assert.deepEqual(ing.series.map((s) => s.profiles), [1, 1], fmt(ing.series));
  });
});

describe('-server.http-max-request-body-bytes', () => {
  let srv;
  before(async () => { srv = await startServer(['-server.http-max-request-body-bytes=65536']); });
  after(async () => { await srv?.stop(); });

  test('a Content-Length over it gets 413 before the body is sent', T, async () => {
    const conn = await RawConn.connect(srv.port);
    await conn.write(requestHead('POST', '/ingest?name=a.cpu', { 'Content-Length': '70000' }));
    const res = await conn.readResponse({ timeoutMs: 3000 });
    conn.destroy();
    assert.equal(res.status, 413, `got ${res.status} ${res.text}`);
  });

  test('a chunked body that grows over it gets 413', T, async () => {
    const conn = await RawConn.connect(srv.port);
    await conn.write(requestHead('POST', '/push.v1.PusherService/Push', { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/proto' }));
    const chunk = Buffer.alloc(16_384, 0x41);
    for (let i = 0; i < 6 && !conn.closed; i += 1) {
      await conn.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    }
    const res = await conn.readResponse({ timeoutMs: 3000 });
    conn.destroy();
    assert.equal(res.status, 413, `got ${res.status} ${res.text}`);
  });

  test('the server still ingests afterwards', T, async () => {
    assertAccepted(await ingest(srv.baseUrl, { name: 'after.cpu' }, 'main;a 1\n'), 'small folded');
  });
});

test('-help lists every Pyroscope validation and distributor limit flag', T, async () => {
  const { stdout, stderr } = await runFlamedb(['-help']);
  const text = stdout + stderr;
  for (const flag of [
    'validation.max-profile-stacktrace-samples', 'validation.max-profile-stacktrace-sample-labels',
    'validation.max-profile-stacktrace-depth', 'validation.max-profile-symbol-value-length',
    'validation.reject-older-than', 'validation.reject-newer-than', 'validation.max-label-names-per-series',
    'validation.max-length-label-name', 'validation.max-length-label-value', 'validation.max-sessions-per-series',
    'validation.max-profile-size-bytes', 'distributor.ingestion-rate-limit-mb', 'distributor.ingestion-burst-size-mb',
    'distributor.ingestion-body-limit-mb', 'server.http-max-request-body-bytes', 'runtime-config.file',
    'runtime-config.reload-period', 'auth.multitenancy-enabled',
  ]) {
    assert.match(text, new RegExp(`^\\s*-${flag.replace(/\./g, '\\.')}\\b`, 'm'), `-help should list -${flag}`);
  }
});
