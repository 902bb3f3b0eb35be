// OTLP profiles ingest (opentelemetry-proto v1.10.0 ExportProfilesServiceRequest) over HTTP on
// /v1development/profiles and on the gRPC method path, in protobuf (application/x-protobuf,
// application/protobuf), OTLP/JSON and gzip. One request with several resources, scopes,
// profile types, sample attributes, links, mappings with build ids, inlined frames and
// timestamps-only samples is sent per variant to a fresh tenant; what the server stores is
// compared with what the request means under Pyroscope's conversion rules (lib/otlp.mjs
// computes it from the request): series labels, totals per service and type, flame graphs,
// span profiles, and the merged pprof as `go tool pprof -raw` reads it. Broken requests are a
// 400 naming the problem with nothing stored; a request with one bad profile of two is a
// partial success.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { describe as describeRes, httpRequest, readyStatus } from './lib/http.mjs';
import { getIngested, uniqueTenant } from './lib/ingest.mjs';
import {
  decodeMessage, encodeRequest, expectedFromRequest, exportBody, labelsKey, mappingsOf, OTLP_EXPORT_PATH,
  OTLP_HTTP_PATH, sampleRequest, smallProfileSpec, smallRequest,
} from './lib/otlp.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const QUERIER_PROTO = 'querier/v1/querier.proto';
const PROFILE_PROTO = 'google/v1/profile.proto';
const T = { timeout: 120_000 };
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x));
const sortedEntries = (m) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Folded stacks ("root;...;leaf" → self) of a Pyroscope flame graph: levels of
 * [x offset from the previous node's end, total, self, name index] quadruples, level 0 the root.
 */
function flamegraphFolded(fg) {
  const folded = new Map();
  let parents = [];
  (fg?.levels ?? []).forEach((level, depth) => {
    const v = (level.values ?? []).map(BigInt);
    const nodes = [];
    let end = 0n;
    for (let i = 0; i < v.length; i += 4) {
      const start = end + v[i];
      const total = v[i + 1];
      const self = v[i + 2];
      end = start + total;
      let stack = [];
      if (depth > 0) {
        const parent = parents.find((p) => start >= p.start && start < p.start + p.total);
        assert.ok(parent, `flame graph node at level ${depth} x=${start} has no parent: ${fmt(fg)}`);
        stack = [...parent.stack, fg.names[Number(v[i + 3])]];
        if (self > 0n) folded.set(stack.join(';'), (folded.get(stack.join(';')) ?? 0n) + self);
      }
      nodes.push({ start, total, stack });
    }
    parents = nodes;
  });
  return folded;
}

/**
 * `go tool pprof -raw` of a profile file: { total (first sample value summed), folded (root
 * first, inlined lines expanded), mappings (the mapping lines) }.
 */
async function pprofRaw(file) {
  const { stdout } = await execFileAsync('go', ['tool', 'pprof', '-raw', '-symbolize=none', file], {
    maxBuffer: 64 << 20, env: { ...process.env, PPROF_TMPDIR: path.dirname(file) },
  });
  const samples = [];
  const locations = new Map();  // id → function names, leaf first
  const mappings = [];
  let section = 'head';
  let lastLoc = null;
  for (const line of stdout.split('\n')) {
    if (line === 'Samples:') { section = 'sampletypes'; continue; }
    if (line === 'Locations') { section = 'locations'; continue; }
    if (line === 'Mappings') { section = 'mappings'; continue; }
    if (section === 'sampletypes') { section = 'samples'; continue; }
    if (section === 'samples') {
      const m = /^\s*(-?\d+(?:\s+-?\d+)*): ((?:\d+ )*)$/.exec(line);
      if (m) samples.push({ values: m[1].trim().split(/\s+/).map(BigInt), locs: m[2].trim().split(/\s+/).filter(Boolean).map(Number) });
    } else if (section === 'locations') {
      const m = /^\s*(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(?:\[F\] )?(\S+)/.exec(line);
      if (m) {
        lastLoc = Number(m[1]);
        locations.set(lastLoc, [m[2]]);
      } else if (/^ {13}\S/.test(line) && lastLoc !== null) {
        locations.get(lastLoc).push(line.trim().split(' ')[0]);
      }
    } else if (section === 'mappings' && line.trim()) {
      mappings.push(line.trim());
    }
  }
  const folded = new Map();
  let total = 0n;
  for (const s of samples) {
    total += s.values[0];
    const frames = s.locs.flatMap((id) => locations.get(id) ?? [`<location ${id}?>`]).reverse().join(';');
    folded.set(frames, (folded.get(frames) ?? 0n) + s.values[0]);
  }
  return { total, folded, mappings, text: stdout };
}

describe('OTLP profiles ingest', () => {
  let srv;
  let pb;
  let dir;
  let client;
  const nowMs = Date.now();
  const request = sampleRequest({ nowMs });
  const expected = expectedFromRequest(request);
  const as = (tenant) => ({ headers: { 'X-Scope-OrgID': tenant } });
  const range = () => ({ start: BigInt(Date.now() - 3600_000), end: BigInt(Date.now() + 60_000) });

  before(async () => {
    [srv, pb, dir] = await Promise.all([
      startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0']),
      loadProtos([QUERIER_PROTO, PROFILE_PROTO]),
      makeTempDir('flamedb-otlp-'),
    ]);
    const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true });
    client = createClient(pb[QUERIER_PROTO].QuerierService, transport);
  });
  after(async () => {
    await srv?.stop();
    if (dir) removeTempDir(dir);
  });

  const post = (tenant, urlPath, body, headers = {}) => httpRequest(srv.baseUrl, urlPath, {
    method: 'POST',
    headers: { 'Content-Length': String(body.length), ...(tenant ? { 'X-Scope-OrgID': tenant } : {}), ...headers },
    body,
  });

  /** Asserts a 200 carrying an ExportProfilesServiceResponse in `codec`; returns { rejected, message }. */
  function exportResponse(res, codec, what) {
    assert.equal(res.status, 200, `${what}: expected 200; got ${describeRes(res)}`);
    const ct = res.headers['content-type'] ?? '';
    if (codec === 'json') {
      assert.match(ct, /^application\/json\b/, `${what}: a JSON request gets a JSON response; got ${describeRes(res)}`);
      const doc = res.json();
      assert.ok(doc && typeof doc === 'object' && !Array.isArray(doc), `${what}: the response is a JSON object; got ${res.text}`);
      const others = Object.keys(doc).filter((k) => k !== 'partialSuccess');
      assert.deepEqual(others, [], `${what}: ExportProfilesServiceResponse has only partialSuccess; got ${res.text}`);
      const ps = doc.partialSuccess ?? {};
      return { rejected: BigInt(ps.rejectedProfiles ?? 0), message: ps.errorMessage ?? '' };
    }
    assert.match(ct, /^application\/(x-)?protobuf\b/, `${what}: a protobuf request gets a protobuf response; got ${describeRes(res)}`);
    const msg = decodeMessage(res.body);
    const ps = msg.partialSuccess ?? {};
    return { rejected: BigInt(ps.rejectedProfiles ?? 0), message: ps.errorMessage ?? '' };
  }

  /** Everything `exp` says `tenant` must hold, checked through /debug/ingested and the querier. */
  async function checkStored(tenant, exp, req, what) {
    // Series labels and totals per type, exactly (per-type labels are not part of these).
    const ing = await getIngested(srv.baseUrl, tenant);
    const got = new Map(ing.series.map((s) => [labelsKey(s.labels), s.totals]));
    const want = new Map([...exp.series].map(([k, s]) => [k, s.totals]));
    assert.deepEqual(sortedEntries(got), sortedEntries(want), `${what}: stored series and totals; got ${fmt(ing.series)}`);

    const services = (await client.labelValues({ name: 'service_name', ...range() }, as(tenant))).names;
    assert.deepEqual([...services].sort(), exp.services, `${what}: service_name values`);

    for (const service of exp.services) {
      const sel = `{service_name="${service}"}`;
      const mine = [...exp.byServiceType.values()].filter((x) => x.service === service);
      const names = new Set(mine.flatMap((x) => [...x.labelNames]));
      const gotNames = (await client.labelNames({ matchers: [sel], ...range() }, as(tenant))).names;
      assert.deepEqual(gotNames.filter((n) => !n.startsWith('__')).sort(), [...names].filter((n) => !n.startsWith('__')).sort(),
        `${what}: label names of ${service} (span_id/trace_id stay sample labels); got ${gotNames}`);
      assert.ok(gotNames.includes('__name__') && gotNames.includes('__otel__'), `${what}: ${service} has __name__ and __otel__: ${gotNames}`);

      const projected = [...names, '__profile_type__'];
      const series = await client.series({ matchers: [sel], labelNames: projected, ...range() }, as(tenant));
      const gotSets = new Set(series.labelsSet.map((l) => labelsKey(Object.fromEntries(l.labels.map((p) => [p.name, p.value])))));
      const wantSets = new Set();
      for (const s of exp.series.values()) {
        if (s.labels.service_name !== service) continue;
        for (const typeId of Object.keys(s.totals)) wantSets.add(labelsKey({ ...s.labels, __profile_type__: typeId }));
      }
      assert.deepEqual([...gotSets].sort(), [...wantSets].sort(), `${what}: Series of ${service}`);
    }

    for (const typeId of exp.types) {
      const res = await client.selectSeries({ profileTypeID: typeId, labelSelector: '{}', ...range(), step: 15, groupBy: ['service_name'] }, as(tenant));
      const sums = new Map(res.series.map((s) => [
        s.labels.find((l) => l.name === 'service_name')?.value,
        BigInt(Math.round(s.points.reduce((a, p) => a + p.value, 0))),
      ]));
      const wantSums = new Map([...exp.byServiceType.values()].filter((x) => x.typeId === typeId).map((x) => [x.service, x.total]));
      assert.deepEqual(sortedEntries(sums), sortedEntries(wantSums), `${what}: SelectSeries totals of ${typeId} by service`);
    }

    const mappings = mappingsOf(req);
    for (const x of exp.byServiceType.values()) {
      const labelSelector = `{service_name="${x.service}"}`;
      const graph = await client.selectMergeStacktraces({ profileTypeID: x.typeId, labelSelector, ...range() }, as(tenant));
      assert.equal(graph.flamegraph?.total, x.total, `${what}: flame graph total of ${x.service} ${x.typeId}`);
      assert.deepEqual(sortedEntries(flamegraphFolded(graph.flamegraph)), sortedEntries(x.folded), `${what}: flame graph of ${x.service} ${x.typeId}`);

      const profile = await client.selectMergeProfile({ profileTypeID: x.typeId, labelSelector, ...range() }, as(tenant));
      const file = path.join(dir, `${tenant}-${x.service.replace(/\W/g, '_')}-${x.typeId.replace(/\W/g, '_')}.pb`);
      await writeFile(file, toBinary(pb[PROFILE_PROTO].ProfileSchema, profile));
      const raw = await pprofRaw(file);
      assert.equal(raw.total, x.total, `${what}: go tool pprof -raw total of ${x.service} ${x.typeId}:\n${raw.text}`);
      assert.deepEqual(sortedEntries(raw.folded), sortedEntries(x.folded), `${what}: go tool pprof -raw stacks of ${x.service} ${x.typeId}`);
      for (const mi of x.mappings) {
        if (mi === 0) continue;  // no mapping
        const { filename, buildId } = mappings[mi];
        assert.ok(raw.mappings.some((l) => l.includes(` ${filename} ${buildId} `) || l.endsWith(` ${filename} ${buildId}`)),
          `${what}: ${x.service} ${x.typeId}: mapping ${filename} with build id ${buildId} in:\n${raw.mappings.join('\n')}`);
      }
    }

    for (const s of exp.spans.values()) {
      const res = await client.selectMergeSpanProfile({ profileTypeID: s.typeId, labelSelector: '{}', spanSelector: [s.spanId], ...range() }, as(tenant));
      assert.equal(res.flamegraph?.total ?? 0n, s.total, `${what}: span ${s.spanId} in ${s.typeId}`);
      assert.deepEqual(sortedEntries(flamegraphFolded(res.flamegraph)), sortedEntries(s.folded), `${what}: span ${s.spanId} flame graph in ${s.typeId}`);
    }

    // Links' trace ids stay with their samples: trace_id_selector sums only theirs.
    for (const t of exp.traces.values()) {
      const res = await client.selectMergeStacktraces({ profileTypeID: t.typeId, labelSelector: '{}', traceIdSelector: [t.traceId], ...range() }, as(tenant));
      assert.equal(res.flamegraph?.total ?? 0n, t.total, `${what}: trace ${t.traceId} in ${t.typeId}`);
      assert.deepEqual(sortedEntries(flamegraphFolded(res.flamegraph)), sortedEntries(t.folded), `${what}: trace ${t.traceId} flame graph in ${t.typeId}`);
    }
    // And a span's exemplar names its trace (from a span's profile back to its trace).
    const spanTraces = new Map([...exp.spans.values()].map((s) => [s.spanId, s.traceId]));
    for (const typeId of new Set([...exp.spans.values()].map((s) => s.typeId))) {
      const heat = await client.selectHeatmap({ profileTypeID: typeId, labelSelector: '{}', ...range(), step: 60, queryType: 2 /* SPAN */, exemplarType: 3 /* SPAN */ }, as(tenant));
      const exemplars = heat.series.flatMap((s) => s.slots).flatMap((x) => x.exemplars);
      assert.ok(exemplars.length > 0, `${what}: span exemplars of ${typeId}`);
      for (const e of exemplars) {
        assert.equal(e.traceId, spanTraces.get(e.spanId), `${what}: the exemplar of span ${e.spanId} names its trace`);
      }
    }
  }

  test('the expectations are not vacuous', () => {
    // Guards the request builder: every rule the checks rely on is exercised.
    assert.deepEqual(expected.services, ['otlp-api', 'otlp-sampled', 'otlp-worker', 'unknown_service', 'unknown_service:batchjob']);
    assert.deepEqual(expected.types, ['cpu:cpu:nanoseconds:cpu:nanoseconds', 'off_cpu:off_cpu:nanoseconds::',
      'process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'wall:samples:count:wall:nanoseconds']);
    assert.equal(expected.series.size, 10);
    assert.equal(expected.spans.size, 4);
    assert.equal(expected.traces.size, 3);  // Two spans of one trace in one type.
    assert.ok([...expected.byServiceType.values()].every((x) => x.total > 0n && x.folded.size > 0));
  });

  const VARIANTS = [
    { name: 'x-protobuf on /v1development/profiles', path: OTLP_HTTP_PATH, codec: 'proto', contentType: 'application/x-protobuf' },
    { name: 'protobuf on /v1development/profiles', path: OTLP_HTTP_PATH, codec: 'proto', contentType: 'application/protobuf' },
    { name: 'JSON on /v1development/profiles', path: OTLP_HTTP_PATH, codec: 'json', contentType: 'application/json' },
    { name: 'x-protobuf on the Export method path', path: OTLP_EXPORT_PATH, codec: 'proto', contentType: 'application/x-protobuf' },
    { name: 'protobuf on the Export method path', path: OTLP_EXPORT_PATH, codec: 'proto', contentType: 'application/protobuf' },
    { name: 'JSON on the Export method path', path: OTLP_EXPORT_PATH, codec: 'json', contentType: 'application/json' },
    { name: 'gzipped x-protobuf on /v1development/profiles', path: OTLP_HTTP_PATH, codec: 'proto', contentType: 'application/x-protobuf', gzip: true },
    { name: 'gzipped JSON on the Export method path', path: OTLP_EXPORT_PATH, codec: 'json', contentType: 'application/json', gzip: true },
  ];
  for (const v of VARIANTS) {
    test(`${v.name}: 200, and the stored series, totals, flame graphs, spans and pprof match the request`, T, async () => {
      const tenant = uniqueTenant('otlp');
      const { body, headers } = exportBody(request, v);
      const res = await post(tenant, v.path, body, headers);
      const { rejected, message } = exportResponse(res, v.codec, v.name);
      assert.equal(rejected, 0n, `${v.name}: nothing rejected; got ${message}`);
      await checkStored(tenant, expected, request, v.name);
    });
  }

  test('an unsupported content type is a 415 and stores nothing', T, async () => {
    for (const p of [OTLP_HTTP_PATH, OTLP_EXPORT_PATH]) {
      const tenant = uniqueTenant('otlp-415');
      const res = await post(tenant, p, encodeRequest(request), { 'Content-Type': 'text/plain' });
      assert.equal(res.status, 415, `${p}: ${describeRes(res)}`);
      assert.equal((await getIngested(srv.baseUrl, tenant)).series.length, 0, `${p}: nothing stored`);
    }
  });

  // Each broken request: a small valid request broken in one place (so the error can only come
  // from that place), or raw bytes. `fragments` must all be found in the 400 body.
  const at = (req) => req.resourceProfiles[0].scopeProfiles[0].profiles[0];
  const broken = (mutate) => () => {
    const { req } = smallRequest({ service: 'otlp-broken' });
    mutate(req);
    return req;
  };
  const BAD = [
    {
      name: 'a stack index out of range', fragments: [/stack/i, /\b99\b/],
      make: broken((req) => { at(req).samples[1].stackIndex = 99; }),
    },
    {
      name: 'a location index out of range', fragments: [/location/i, /\b77\b/],
      make: broken((req) => {
        req.dictionary.stackTable.push({ locationIndices: [1, 77] });
        at(req).samples[1].stackIndex = req.dictionary.stackTable.length - 1;
      }),
    },
    {
      name: 'a string index out of range', fragments: [/string/i, /\b555\b/],
      make: broken((req) => {
        const d = req.dictionary;
        d.functionTable.push({ nameStrindex: 555, systemNameStrindex: 0, filenameStrindex: 0, startLine: 0n });
        d.locationTable.push({ mappingIndex: 1, address: 0x401234n, lines: [{ functionIndex: d.functionTable.length - 1, line: 1n }] });
        d.stackTable.push({ locationIndices: [d.locationTable.length - 1, 1] });
        at(req).samples[1].stackIndex = d.stackTable.length - 1;
      }),
    },
    {
      name: 'resource_profiles without a dictionary', fragments: [/dictionary/i],
      make: broken((req) => { delete req.dictionary; }),
    },
    {
      name: 'a sample with neither values nor timestamps', fragments: [/value/i],
      make: broken((req) => { at(req).samples[1].values = []; delete at(req).samples[1].timestampsUnixNano; }),
    },
  ];
  for (const bad of BAD) {
    for (const [codec, p] of [['proto', OTLP_HTTP_PATH], ['json', OTLP_EXPORT_PATH]]) {
      test(`${bad.name} (${codec}): 400 naming it, nothing stored, server still ready`, T, async () => {
        const tenant = uniqueTenant('otlp-bad');
        const { body, headers } = exportBody(bad.make(), { codec });
        await expectRejected(tenant, await post(tenant, p, body, headers), bad.fragments, `${bad.name} (${codec})`);
      });
    }
  }
  const RAW_BAD = [
    { name: 'invalid JSON', contentType: 'application/json', body: Buffer.from('{"resourceProfiles": [{"scopeProfiles": '), fragments: [/json/i] },
    // Field 1 (resource_profiles) claims 100 bytes and 5 follow.
    { name: 'a protobuf body that is not protobuf', contentType: 'application/x-protobuf', body: Buffer.concat([Buffer.from([0x0a, 0x64]), Buffer.from('short')]), fragments: [/proto/i] },
  ];
  for (const bad of RAW_BAD) {
    test(`${bad.name}: 400 naming it, nothing stored, server still ready`, T, async () => {
      const tenant = uniqueTenant('otlp-bad');
      await expectRejected(tenant, await post(tenant, OTLP_HTTP_PATH, bad.body, { 'Content-Type': bad.contentType }), bad.fragments, bad.name);
    });
  }

  async function expectRejected(tenant, res, fragments, what) {
    assert.equal(res.status, 400, `${what}: expected 400; got ${describeRes(res)}`);
    for (const f of fragments) assert.match(res.text, f, `${what}: the body should name the problem (${f}); got ${describeRes(res)}`);
    assert.equal((await getIngested(srv.baseUrl, tenant)).series.length, 0, `${what}: nothing stored`);
    assert.equal(await readyStatus(srv.baseUrl), 200, `${what}: the server is still ready`);
  }

  for (const codec of ['proto', 'json']) {
    test(`${codec}: one bad profile of two is a partial success; the good one is stored`, T, async () => {
      const tenant = uniqueTenant('otlp-partial');
      const { req, builder } = smallRequest({ service: 'otlp-partial-good' });
      const good = expectedFromRequest(req);
      // A second resource whose only profile points at a stack that does not exist, sent first.
      builder.resource({ attributes: { 'service.name': 'otlp-partial-bad' } }, [{ name: 'small', profiles: [smallProfileSpec()] }]);
      req.resourceProfiles.unshift(req.resourceProfiles.pop());
      at(req).samples[0].stackIndex = 4242;
      const { body, headers } = exportBody(req, { codec });
      const res = await post(tenant, OTLP_HTTP_PATH, body, headers);
      const { rejected, message } = exportResponse(res, codec, `partial (${codec})`);
      assert.equal(rejected, 1n, `partial (${codec}): one profile rejected; got ${res.text}`);
      assert.ok(message.length > 0, `partial (${codec}): the partial success says why`);
      await checkStored(tenant, good, req, `partial (${codec})`);
    });
  }
});

describe('OTLP profiles durability', () => {
  test('acknowledged OTLP exports (HTTP proto, JSON and gzip) survive kill -9 and a restart', T, async (t) => {
    const dataDir = await makeTempDir('flamedb-otlp-durable-');
    t.after(() => removeTempDir(dataDir));
    const args = ['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0'];
    const first = await startServer(args, { dataDir });
    t.after(() => first.stop());
    const request = sampleRequest({ nowMs: Date.now() });
    const expected = expectedFromRequest(request);
    const variants = [{ codec: 'proto' }, { codec: 'json' }, { codec: 'proto', gzip: true }];
    const tenants = [];
    for (const v of variants) {
      const tenant = uniqueTenant('otlp-durable');
      tenants.push(tenant);
      const { body, headers } = exportBody(request, v);
      const res = await httpRequest(first.baseUrl, OTLP_HTTP_PATH, {
        method: 'POST', body, headers: { ...headers, 'X-Scope-OrgID': tenant },
      });
      assert.equal(res.status, 200, `${JSON.stringify(v)} should be acknowledged; got ${describeRes(res)}`);
    }
    const totals = (ingested) => {
      const out = new Map();
      for (const s of ingested.series) out.set(labelsKey(s.labels), s.totals);
      return out;
    };
    const before = [];
    for (const tenant of tenants) before.push(totals(await getIngested(first.baseUrl, tenant)));
    assert.equal(before[0].size, expected.series.size, 'every expected series was stored before the kill');
    first.proc.kill('SIGKILL');  // No graceful shutdown: only what is on disk counts.
    await first.exited;
    const second = await startServer(args, { dataDir });
    t.after(() => second.stop());
    for (let i = 0; i < tenants.length; i++) {
      const after = totals(await getIngested(second.baseUrl, tenants[i]));
      assert.deepEqual(after, before[i], `${JSON.stringify(variants[i])}: the same series and totals after kill -9`);
    }
  });
});
