// gRPC over HTTP/2 cleartext (h2c, prior knowledge) on the HTTP port, against the real binary.
// Three independent clients — connect-node's createGrpcTransport, @grpc/grpc-js with
// @grpc/proto-loader, and `buf curl --protocol grpc --http2-prior-knowledge` — push profiles and
// call every QuerierService method; every answer must equal what the Connect path of the same
// server answers for the same request (decoded and deep-equal), and what was pushed must be
// stored exactly as the same push over Connect stores it. By hand (node:http2) the wire shape
// is checked: a 200 with one length-prefixed message and grpc-status 0 in the trailers, and
// errors as Trailers-Only responses whose grpc-status is the code the Connect path gives
// (grpc-timeout, bad frames and messages, missing tenant, unknown methods, gzip, the body
// limit). OTLP Export over gRPC stores what the request means (lib/otlp.mjs). HTTP/1.1 keeps
// working on the same port (and gRPC over it is a 505). Hostile HTTP/2 on raw sockets (a bad
// preface, malformed and oversized frames, 1,000 streams at once, a header bomb) costs only
// that connection or stream: the server stays ready and serves gRPC on a new connection.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { create, fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import {
  compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager,
} from '@connectrpc/connect-node';

import { gzipBomb } from './lib/bomb.mjs';
import {
  bufCurl, decodeGrpcMessage, describeH2, GRPC, grpcClient, grpcCodeName, grpcCodeOfConnect, grpcFrame, grpcH2, grpcMethod, grpcUnary,
  grpcUnaryRaw, H2, h2Connect, h2Frame, h2Headers, H2Raw, h2Request, parseGrpcFrames, parseGrpcWebTrailer, plain,
} from './lib/grpc.mjs';
import { connectUnary, describe as describeRes, httpRequest, RawConn, readyStatus, requestHead } from './lib/http.mjs';
import { encodePushRequest, getIngested, ingest, push, uniqueTenant } from './lib/ingest.mjs';
import {
  decodeMessage, encodeRequest, expectedFromRequest, labelsKey, OTLP_EXPORT_PATH, OTLP_HTTP_PATH, OTLP_SERVICE_PROTO, sampleRequest,
  smallProfileSpec, smallRequest, SPAN_A, SPAN_B,
} from './lib/otlp.mjs';
import { cpuProfile, gzipProfile } from './lib/pprof.mjs';
import { HEALTH_PROTO, loadProtos, VERSION_PROTO } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);

const PUSH_PROTO = 'push/v1/push.proto';
const QUERIER_PROTO = 'querier/v1/querier.proto';
const SETTINGS_PROTO = 'settings/v1/setting.proto';
const PROTOS = [PUSH_PROTO, QUERIER_PROTO, SETTINGS_PROTO, VERSION_PROTO, HEALTH_PROTO, OTLP_SERVICE_PROTO];
const OTLP_SERVICE = 'opentelemetry.proto.collector.profiles.v1development.ProfilesService';
const HEALTH = '/grpc.health.v1.Health/Check';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const BODY_LIMIT = 1 << 20;  // -server.http-max-request-body-bytes
const T = { timeout: 60_000 };
const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : Buffer.isBuffer(x) ? `<${x.length} bytes>` : x));
const byKey = (series) => [...series].sort((a, b) => (labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1));
const sortedEntries = (m) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const tenantHeaders = (tenant) => (tenant ? { 'X-Scope-OrgID': tenant } : {});
const tenantMetadata = (tenant) => (tenant ? { 'x-scope-orgid': tenant } : {});

describe('gRPC over h2c', () => {
  let srv;
  let pb;        // protobuf-es modules by proto file
  let bufCache;  // BUF_CACHE_DIR
  const sessions = [];  // connect-node Http2SessionManagers to abort at the end
  const QT = uniqueTenant('grpc-query');  // the tenant every query runs against
  const nowMs = Date.now();
  const START = BigInt(nowMs - 3600_000);
  const END = BigInt(nowMs + 120_000);
  const otlpSeed = sampleRequest({ nowMs });

  before(async () => {
    [srv, pb, bufCache] = await Promise.all([
      startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0', `-server.http-max-request-body-bytes=${BODY_LIMIT}`]),
      loadProtos(PROTOS),
      makeTempDir('flamedb-buf-cache-'),
    ]);
    // The data every query reads, written over HTTP/1.1 only: an OTLP request (several
    // services, types, labels and spans) and a pprof Push.
    const otlp = await httpRequest(srv.baseUrl, OTLP_HTTP_PATH, {
      method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', ...tenantHeaders(QT) }, body: encodeRequest(otlpSeed),
    });
    assert.equal(otlp.status, 200, `seeding OTLP over HTTP/1.1: ${describeRes(otlp)}`);
    const pushed = await push(srv.baseUrl, pushSeries('grpc-seed', cpuProfile({ counts: [4, 6, 9] }).profile), { tenant: QT });
    assert.equal(pushed.status, 200, `seeding a Push over HTTP/1.1: ${describeRes(pushed)}`);
  });
  after(async () => {
    for (const s of sessions) s.abort();
    await srv?.stop();
    if (bufCache) removeTempDir(bufCache);
  });

  // -------------------------------------------------------------------------------------------
  // Clients and references

  const svc = {
    push: () => pb[PUSH_PROTO].PusherService,
    querier: () => pb[QUERIER_PROTO].QuerierService,
    settings: () => pb[SETTINGS_PROTO].SettingsService,
    version: () => pb[VERSION_PROTO].Version,
    health: () => pb[HEALTH_PROTO].Health,
    otlp: () => pb[OTLP_SERVICE_PROTO].ProfilesService,
  };
  const fileOf = (service) => PROTOS.find((f) => Object.values(pb[f]).includes(service));
  const methodOf = (service, name) => {
    const m = service.methods.find((x) => x.name === name);
    assert.ok(m, `${service.typeName} has no method ${name}`);
    return m;
  };

  /** connect-node's gRPC transport (HTTP/2 prior knowledge), binary or JSON (+json). */
  function grpcTransport({ json = false, ...opts } = {}) {
    const sessionManager = new Http2SessionManager(srv.baseUrl);
    sessions.push(sessionManager);
    return createGrpcTransport({ baseUrl: srv.baseUrl, httpVersion: '2', sessionManager, useBinaryFormat: !json, ...opts });
  }

  /**
   * The Connect path's answer (HTTP/1.1, application/proto) to `init` on service/method:
   * { status, bytes, message (protobuf-es), error ({code, message} for a non-200) }.
   */
  async function connectRef(service, name, init, tenant) {
    const m = methodOf(service, name);
    const res = await connectUnary(srv.baseUrl, `/${service.typeName}/${m.name}`, toBinary(m.input, create(m.input, init)), {
      contentType: 'application/proto', headers: tenantHeaders(tenant),
    });
    if (res.status !== 200) return { status: res.status, error: res.json(), res };
    // A plain Uint8Array copy, so bytes fields decode as Uint8Array as on the other clients.
    return { status: 200, bytes: res.body, message: fromBinary(m.output, new Uint8Array(res.body)), res };
  }

  /** The same call with @grpc/grpc-js: the request goes through protobufjs from its protojson. */
  function grpcJs(service, name, init, tenant, extra = {}) {
    const m = methodOf(service, name);
    return grpcUnary({
      port: srv.port, files: [fileOf(service)], service: service.typeName, method: m.name,
      request: toJson(m.input, create(m.input, init)), metadata: tenantMetadata(tenant), ...extra,
    });
  }

  /** What grpc-js' proto-loader makes of the Connect reference's bytes (to compare with). */
  function grpcJsDecoded(service, name, bytes) {
    return grpcMethod([fileOf(service)], service.typeName, name).responseDeserialize(Buffer.from(bytes));
  }

  /** The same call with `buf curl --protocol grpc --http2-prior-knowledge`. */
  function buf(service, name, init, tenant, extra = {}) {
    const m = methodOf(service, name);
    return bufCurl({
      port: srv.port, path: `/${service.typeName}/${m.name}`, data: toJson(m.input, create(m.input, init)),
      headers: tenantMetadata(tenant), cacheDir: bufCache, ...extra,
    });
  }

  /** GET /ready is 200 on a new HTTP/1.1 connection and Health/Check works over gRPC on a new one. */
  async function assertHealthy(what) {
    assert.ok(!srv.hasExited(), `${what}: the server must still run; stderr:\n${srv.stderrText().slice(-2000)}`);
    assert.equal(await readyStatus(srv.baseUrl), 200, `${what}: GET /ready over HTTP/1.1 afterwards`);
    const { response } = await grpcUnary({ port: srv.port, files: [HEALTH_PROTO], service: 'grpc.health.v1.Health', method: 'Check' });
    assert.equal(response.status, 'SERVING', `${what}: Health/Check over gRPC on a new connection afterwards`);
  }

  /** Asserts an error as a Trailers-Only response: 200, gRPC content type, grpc-status, no DATA. */
  function assertTrailersOnly(r, what) {
    assert.equal(r.status, 200, `${what}: a gRPC error is an HTTP 200; got ${describeH2(r)}`);
    assert.ok(r.headersEndStream, `${what}: a gRPC error should be Trailers-Only (HEADERS with END_STREAM); got ${describeH2(r)}`);
    assert.match(String(r.headers['content-type'] ?? ''), /^application\/grpc/, `${what}: content-type; got ${describeH2(r)}`);
    assert.equal(r.data.length, 0, `${what}: no message in an error; got ${describeH2(r)}`);
    assert.ok(r.headers['grpc-status'] !== undefined, `${what}: grpc-status in the headers; got ${describeH2(r)}`);
    assert.notEqual(Number(r.headers['grpc-status']), 0, `${what}: a non-OK grpc-status; got ${describeH2(r)}`);
    assert.ok(r.headers['grpc-message'] !== undefined, `${what}: grpc-message in the headers; got ${describeH2(r)}`);
  }

  /**
   * Asserts a successful unary response: 200, not Trailers-Only, exactly one message (gunzipped
   * if flagged compressed, which needs grpc-encoding: gzip), trailers with grpc-status 0.
   * Returns the message bytes.
   */
  function assertGrpcOk(r, what) {
    assert.equal(r.status, 200, `${what}: HTTP 200; got ${describeH2(r)}`);
    assert.match(String(r.headers['content-type'] ?? ''), /^application\/grpc/, `${what}: content-type; got ${describeH2(r)}`);
    assert.ok(!r.headersEndStream, `${what}: a success carries a message, so it is not Trailers-Only; got ${describeH2(r)}`);
    assert.ok(r.trailers, `${what}: the status travels in trailers; got ${describeH2(r)}`);
    assert.equal(r.trailers['grpc-status'], '0', `${what}: grpc-status 0; got ${describeH2(r)}`);
    assert.ok(r.frames, `${what}: the body should be length-prefixed messages; got ${describeH2(r)}`);
    assert.equal(r.frames.length, 1, `${what}: a unary response has exactly one message; got ${describeH2(r)}`);
    const enc = r.headers['grpc-encoding'] ?? 'identity';
    const f = r.frames[0];
    if (f.flags & 1) {
      assert.equal(enc, 'gzip', `${what}: a compressed message needs grpc-encoding; got ${describeH2(r)}`);
      return zlib.gunzipSync(f.data);
    }
    return f.data;
  }

  /** The same raw body as gRPC-Web over HTTP/1.1 (the sibling path): { grpcStatus, grpcMessage }. */
  async function grpcWebRef(urlPath, body, headers = {}, tenant = QT) {
    const res = await httpRequest(srv.baseUrl, urlPath, {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/grpc-web+proto', 'Content-Length': String(body.length), ...tenantHeaders(tenant), ...headers },
    });
    assert.equal(res.status, 200, `gRPC-Web reference ${urlPath}: ${describeRes(res)}`);
    const frames = parseGrpcFrames(res.body);
    const trailer = frames.find((f) => f.flags & 0x80);
    assert.ok(trailer, `gRPC-Web reference ${urlPath}: a trailer frame; got ${describeRes(res)}`);
    const t = parseGrpcWebTrailer(trailer.data);
    return { grpcStatus: Number(t['grpc-status']), grpcMessage: decodeGrpcMessage(t['grpc-message']), frames };
  }

  /** One series for Push: the profile gzipped, as SDKs send it. */
  function pushSeries(service, profile) {
    return [{
      labels: { __name__: 'process_cpu', service_name: service },
      samples: [{ rawProfile: gzipProfile(profile), id: randomUUID() }],
    }];
  }

  /** The PushRequest init (protobuf-es form) of pushSeries(). */
  const pushInit = (series) => ({
    series: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map((x) => ({ rawProfile: x.rawProfile, ID: x.id })),
    })),
  });

  /** What `tenant` holds: /debug/ingested series sorted by labels. */
  const stored = async (tenant) => byKey((await getIngested(srv.baseUrl, tenant)).series);

  /**
   * Pushes `series` over Connect (HTTP/1.1) to a fresh reference tenant and asserts that
   * `tenant` (written over gRPC) holds exactly the same, and the CPU total that was sent.
   */
  async function assertStoredLikeConnect(tenant, series, cpuTotal, what) {
    const ref = uniqueTenant('grpc-ref');
    const res = await push(srv.baseUrl, series, { tenant: ref });
    assert.equal(res.status, 200, `${what}: the reference Push over Connect: ${describeRes(res)}`);
    const want = await stored(ref);
    const got = await stored(tenant);
    assert.ok(want.length > 0, `${what}: the reference tenant holds something`);
    assert.deepEqual(got, want, `${what}: ${tenant} (over gRPC) should hold what ${ref} (over Connect) holds; got ${fmt(got)}, want ${fmt(want)}`);
    const total = got.reduce((a, s) => a + (s.totals[CPU] ?? 0n), 0n);
    assert.equal(total, cpuTotal, `${what}: the stored ${CPU} total is what the profile holds; got ${fmt(got)}`);
  }

  // -------------------------------------------------------------------------------------------
  describe('Push over gRPC with three independent clients', () => {
    test('connect-node createGrpcTransport (binary and +json)', T, async () => {
      for (const json of [false, true]) {
        const tenant = uniqueTenant('grpc-connect-node');
        const { profile, totals } = cpuProfile({ counts: json ? [2, 3] : [5, 7] });
        const series = pushSeries(`grpc-connect-node-${json ? 'json' : 'proto'}`, profile);
        const client = createClient(svc.push(), grpcTransport({ json }));
        const res = await client.push(pushInit(series), { headers: tenantMetadata(tenant) });
        assert.equal(res.$typeName, 'push.v1.PushResponse');
        await assertStoredLikeConnect(tenant, series, totals[1], `connect-node gRPC${json ? '+json' : ''}`);
      }
    });

    test('@grpc/grpc-js with proto-loader', T, async () => {
      const tenant = uniqueTenant('grpc-js');
      const { profile, totals } = cpuProfile({ counts: [11, 13] });
      const series = pushSeries('grpc-js', profile);
      const { response, status, headers } = await grpcUnary({
        port: srv.port, files: [PUSH_PROTO], service: 'push.v1.PusherService', method: 'Push',
        request: { series: pushInit(series).series }, metadata: tenantMetadata(tenant),
      });
      assert.equal(status.code, GRPC.OK, `grpc-js Push status: ${fmt(status)}`);
      assert.deepEqual(response, {}, 'PushResponse is empty');
      assert.match(String(headers?.get('content-type')?.[0] ?? ''), /^application\/grpc/, 'response content-type');
      await assertStoredLikeConnect(tenant, series, totals[1], 'grpc-js');
    });

    test('buf curl --protocol grpc --http2-prior-knowledge', T, async () => {
      const tenant = uniqueTenant('grpc-buf');
      const { profile, totals } = cpuProfile({ counts: [17, 19] });
      const series = pushSeries('grpc-buf', profile);
      const m = methodOf(svc.push(), 'Push');
      const r = await buf(svc.push(), 'Push', pushInit(series), tenant);
      assert.equal(r.code, 0, `buf curl exit code; stderr: ${r.stderr}`);
      assert.deepEqual(fromJson(m.output, r.json ?? {}), create(m.output), `buf curl output: ${r.stdout}`);
      await assertStoredLikeConnect(tenant, series, totals[1], 'buf curl');
    });

    test('a Push over gRPC without a tenant is UNAUTHENTICATED, as over Connect (401)', T, async () => {
      const series = pushSeries('grpc-no-tenant', cpuProfile().profile);
      const ref = await push(srv.baseUrl, series, {});
      assert.equal(ref.status, 401, `Connect reference: ${describeRes(ref)}`);
      const want = grpcCodeOfConnect(ref.json().code);
      assert.equal(want, GRPC.UNAUTHENTICATED);
      await assert.rejects(grpcUnary({
        port: srv.port, files: [PUSH_PROTO], service: 'push.v1.PusherService', method: 'Push', request: { series: pushInit(series).series },
      }), (err) => {
        assert.equal(err.code, want, `grpc-js: ${grpcCodeName(err.code)} ${err.details}`);
        return true;
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('QuerierService over gRPC equals the Connect path', () => {
    // Every method of proto/querier/v1 with the requests to compare; the test below fails if
    // the proto gains a method without a case here.
    const range = () => ({ start: START, end: END });
    const side = (service) => ({ profileTypeID: CPU, labelSelector: `{service_name="${service}"}`, ...range() });
    const CASES = {
      ProfileTypes: () => [range()],
      LabelValues: () => [{ name: 'service_name', ...range() }, { name: 'thread_name', matchers: ['{service_name="otlp-api"}'], ...range() }],
      LabelNames: () => [{ matchers: ['{service_name="otlp-api"}'], ...range() }],
      Series: () => [{ matchers: ['{}'], labelNames: ['service_name', '__profile_type__'], ...range() }],
      SelectMergeStacktraces: () => [side('otlp-api'), { ...side('otlp-api'), format: 2 /* TREE */ }, { ...side('grpc-seed'), maxNodes: 3n }],
      SelectMergeSpanProfile: () => [{ profileTypeID: CPU, labelSelector: '{}', spanSelector: [SPAN_A[1], SPAN_B[1]], ...range() }],
      SelectMergeProfile: () => [side('otlp-api')],
      SelectSeries: () => [{ profileTypeID: CPU, labelSelector: '{}', groupBy: ['service_name'], step: 15, ...range() }],
      SelectHeatmap: () => [{ profileTypeID: CPU, labelSelector: '{}', groupBy: ['service_name'], step: 15, ...range(),
        queryType: 1 /* INDIVIDUAL */, exemplarType: 2 /* INDIVIDUAL */ }],
      Diff: () => [{ left: side('otlp-api'), right: side('otlp-sampled') }],
      GetProfileStats: () => [{}],
      AnalyzeQuery: () => [{ ...range(), query: `${CPU}{service_name="otlp-api"}` }],
    };

    test('every QuerierService method of the proto has a case', () => {
      const names = svc.querier().methods.map((m) => m.name).sort();
      assert.deepEqual(names, Object.keys(CASES).sort());
    });

    for (const name of Object.keys(CASES)) {
      test(`${name}: connect-node (binary, +json), grpc-js and buf curl answer what Connect answers`, T, async () => {
        const service = svc.querier();
        const m = methodOf(service, name);
        const proto = createClient(service, grpcTransport());
        const json = createClient(service, grpcTransport({ json: true }));
        for (const init of CASES[name]()) {
          const what = `${name} ${fmt(init)}`;
          const ref = await connectRef(service, name, init, QT);
          assert.equal(ref.status, 200, `${what}: the Connect reference: ${describeRes(ref.res)}`);
          assert.ok(ref.bytes.length > 0, `${what}: the Connect answer should not be empty (the comparison would be vacuous)`);

          const a = await proto[m.localName](init, { headers: tenantMetadata(QT) });
          assert.deepEqual(a, ref.message, `${what}: connect-node gRPC (binary)`);
          const b = await json[m.localName](init, { headers: tenantMetadata(QT) });
          assert.deepEqual(b, ref.message, `${what}: connect-node gRPC (+json)`);

          const { response } = await grpcJs(service, name, init, QT);
          assert.deepEqual(response, grpcJsDecoded(service, name, ref.bytes), `${what}: grpc-js`);

          const r = await buf(service, name, init, QT);
          assert.equal(r.code, 0, `${what}: buf curl exit code; stderr: ${r.stderr}`);
          assert.deepEqual(fromJson(m.output, r.json ?? {}), ref.message, `${what}: buf curl`);
        }
      });
    }

    test('the tenant travels as x-scope-orgid: another tenant sees nothing, as over Connect', T, async () => {
      const other = uniqueTenant('grpc-empty');
      const init = { name: 'service_name', ...range() };
      const ref = await connectRef(svc.querier(), 'LabelValues', init, other);
      assert.equal(ref.status, 200);
      assert.deepEqual(ref.message.names, [], 'a fresh tenant has no services');
      const { response } = await grpcJs(svc.querier(), 'LabelValues', init, other);
      assert.deepEqual(response, grpcJsDecoded(svc.querier(), 'LabelValues', ref.bytes), 'grpc-js, other tenant');
      const mine = await grpcJs(svc.querier(), 'LabelValues', init, QT);
      assert.ok(mine.response.names.includes('otlp-api'), `grpc-js, the query tenant: ${fmt(mine.response)}`);
    });

    test('Version, Health/Check and SettingsService over gRPC', T, async () => {
      for (const [service, name] of [[svc.version(), 'Version'], [svc.health(), 'Check']]) {
        const ref = await connectRef(service, name, {});
        assert.equal(ref.status, 200, `${name}: ${describeRes(ref.res)}`);
        const m = methodOf(service, name);
        assert.deepEqual(await createClient(service, grpcTransport())[m.localName]({}), ref.message, `${name}: connect-node gRPC`);
        assert.deepEqual((await grpcJs(service, name, {})).response, grpcJsDecoded(service, name, ref.bytes), `${name}: grpc-js`);
        const r = await buf(service, name, {});
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(fromJson(m.output, r.json ?? {}), ref.message, `${name}: buf curl`);
      }

      const tenant = uniqueTenant('grpc-settings');
      const settings = svc.settings();
      const client = createClient(settings, grpcTransport());
      const set = await client.set({ setting: { name: 'grpc.test', value: 'over-h2c' } }, { headers: tenantMetadata(tenant) });
      assert.equal(set.setting?.name, 'grpc.test');
      assert.ok(set.setting.modifiedAt > 0n, `modifiedAt is stamped: ${fmt(set)}`);
      await grpcJs(settings, 'Set', { setting: { name: 'grpc.other', value: 'from-grpc-js' } }, tenant);
      const ref = await connectRef(settings, 'Get', {}, tenant);
      assert.deepEqual(ref.message.settings.map((s) => [s.name, s.value]), [['grpc.other', 'from-grpc-js'], ['grpc.test', 'over-h2c']],
        'both settings written over gRPC are visible over Connect');
      assert.deepEqual(await client.get({}, { headers: tenantMetadata(tenant) }), ref.message, 'Get over gRPC equals Get over Connect');
      assert.deepEqual((await grpcJs(settings, 'Get', {}, tenant)).response, grpcJsDecoded(settings, 'Get', ref.bytes), 'grpc-js Get');
      await grpcJs(settings, 'Delete', { name: 'grpc.test' }, tenant);
      const after = await connectRef(settings, 'Get', {}, tenant);
      assert.deepEqual(after.message.settings.map((s) => s.name), ['grpc.other'], 'Delete over gRPC removed it');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('the wire: messages, trailers and error codes', () => {
    const healthRequest = () => grpcFrame(Buffer.alloc(0));

    test('a successful call: 200, one message, grpc-status 0 in the trailers; the message equals Connect\'s', T, async () => {
      const ref = await connectRef(svc.health(), 'Check', {});
      for (const ct of ['application/grpc', 'application/grpc+proto']) {
        const r = await grpcH2({ port: srv.port, path: HEALTH, contentType: ct, body: healthRequest() });
        const msg = assertGrpcOk(r, ct);
        assert.deepEqual(msg, ref.bytes, `${ct}: the message bytes equal the Connect answer's`);
      }
    });

    test('application/grpc+json carries JSON messages', T, async () => {
      const init = { name: 'service_name', start: START, end: END };
      const m = methodOf(svc.querier(), 'LabelValues');
      const ref = await connectRef(svc.querier(), 'LabelValues', init, QT);
      const r = await grpcH2({
        port: srv.port, path: '/querier.v1.QuerierService/LabelValues', contentType: 'application/grpc+json',
        headers: { 'x-scope-orgid': QT }, body: grpcFrame(Buffer.from(JSON.stringify(toJson(m.input, create(m.input, init))))),
      });
      const msg = assertGrpcOk(r, 'grpc+json');
      assert.match(String(r.headers['content-type']), /^application\/grpc\+json/, 'the response is +json too');
      assert.deepEqual(fromJson(m.output, JSON.parse(msg.toString('utf8'))), ref.message, 'the JSON message equals the Connect answer');
    });

    test('grpc-timeout that passes → DEADLINE_EXCEEDED (Trailers-Only), as Connect-Timeout-Ms does (504)', T, async () => {
      // The Connect reference: a 300 ms deadline and a body that arrives after 1 s.
      const body = '{}'.padEnd(20, ' ');
      const conn = await RawConn.connect(srv.port);
      let refRes;
      try {
        await conn.write(requestHead('POST', HEALTH, {
          'Content-Type': 'application/json', 'Content-Length': body.length, 'Connect-Timeout-Ms': '300',
        }) + body.slice(0, 5));
        const pending = conn.readResponse({ timeoutMs: 10_000 });
        pending.catch(() => {});
        await delay(1000);
        await conn.write(body.slice(5));
        refRes = await pending;
      } finally {
        conn.destroy();
      }
      assert.equal(refRes.status, 504, `Connect reference: ${refRes.status} ${refRes.text}`);
      const want = grpcCodeOfConnect(JSON.parse(refRes.text).code);
      assert.equal(want, GRPC.DEADLINE_EXCEEDED);

      // A 1 ns deadline has passed before the handler runs.
      const r1 = await grpcH2({ port: srv.port, path: HEALTH, headers: { 'grpc-timeout': '1n' }, body: healthRequest() });
      assertTrailersOnly(r1, 'grpc-timeout: 1n');
      assert.equal(r1.grpcStatus, want, `grpc-timeout: 1n: ${describeH2(r1)}`);
      // A 300 ms deadline, and the message arrives after 1 s.
      const r2 = await grpcH2({
        port: srv.port, path: HEALTH, headers: { 'grpc-timeout': '300m' },
        body: [{ delayMs: 1000, data: healthRequest() }],
      });
      assertTrailersOnly(r2, 'grpc-timeout: 300m, message after 1 s');
      assert.equal(r2.grpcStatus, want, `grpc-timeout: 300m: ${describeH2(r2)}`);
      // A generous deadline is no obstacle.
      assertGrpcOk(await grpcH2({ port: srv.port, path: HEALTH, headers: { 'grpc-timeout': '10S' }, body: healthRequest() }), 'grpc-timeout: 10S');
    });

    test('a bad label selector → INVALID_ARGUMENT with Connect\'s message, from all three clients', T, async () => {
      const init = { profileTypeID: CPU, labelSelector: '{service_name=goapp}', start: START, end: END };
      const ref = await connectRef(svc.querier(), 'SelectMergeStacktraces', init, QT);
      assert.equal(ref.status, 400, `Connect reference: ${describeRes(ref.res)}`);
      const want = grpcCodeOfConnect(ref.error.code);
      assert.equal(want, GRPC.INVALID_ARGUMENT);

      await assert.rejects(grpcJs(svc.querier(), 'SelectMergeStacktraces', init, QT), (err) => {
        assert.equal(err.code, want, `grpc-js: ${grpcCodeName(err.code)} ${err.details}`);
        assert.equal(err.details, ref.error.message, 'grpc-js: grpc-message equals the Connect message');
        return true;
      });
      const client = createClient(svc.querier(), grpcTransport());
      await assert.rejects(client.selectMergeStacktraces(init, { headers: tenantMetadata(QT) }), (err) => {
        assert.equal(err.code, want, `connect-node gRPC: ${err.code} ${err.rawMessage}`);
        assert.equal(err.rawMessage, ref.error.message, 'connect-node gRPC: the message');
        return true;
      });
      const r = await buf(svc.querier(), 'SelectMergeStacktraces', init, QT);
      assert.equal(r.grpcCode, want, `buf curl: exit ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.error?.message, ref.error.message, 'buf curl: the message');
      const raw = await grpcH2({
        port: srv.port, path: '/querier.v1.QuerierService/SelectMergeStacktraces', headers: { 'x-scope-orgid': QT },
        body: grpcFrame(toBinary(methodOf(svc.querier(), 'SelectMergeStacktraces').input, create(methodOf(svc.querier(), 'SelectMergeStacktraces').input, init))),
      });
      assertTrailersOnly(raw, 'bad selector, by hand');
      assert.equal(raw.grpcStatus, want);
      assert.equal(raw.grpcMessage, ref.error.message, 'grpc-message is the percent-encoded Connect message');
    });

    test('a message that is not protobuf → INVALID_ARGUMENT, as over Connect (400)', T, async () => {
      // Field 1, length-delimited, length 5, and one byte follows.
      const garbage = Buffer.from([0x0a, 0x05, 0x61]);
      const ref = await connectUnary(srv.baseUrl, HEALTH, garbage, { contentType: 'application/proto' });
      assert.equal(ref.status, 400, describeRes(ref));
      const want = grpcCodeOfConnect(ref.json().code);
      assert.equal(want, GRPC.INVALID_ARGUMENT);
      await assert.rejects(grpcUnaryRaw({ port: srv.port, path: HEALTH, body: garbage }), (err) => {
        assert.equal(err.code, want, `grpc-js: ${grpcCodeName(err.code)} ${err.details}`);
        assert.match(err.details, /decod|pars|invalid/i, 'the message says why');
        return true;
      });
      const raw = await grpcH2({ port: srv.port, path: HEALTH, body: grpcFrame(garbage) });
      assertTrailersOnly(raw, 'garbage message');
      assert.equal(raw.grpcStatus, want);
    });

    // Framing errors: the answer must be what gRPC-Web over HTTP/1.1 answers for the same body.
    const FRAMING = [
      ['a frame claiming 100 bytes with 3 following', () => Buffer.concat([Buffer.from([0, 0, 0, 0, 100]), Buffer.from('abc')]), {}],
      ['a body shorter than a frame header', () => Buffer.from([0, 0]), {}],
      ['two messages in a unary call', () => Buffer.concat([grpcFrame(Buffer.alloc(0)), grpcFrame(Buffer.alloc(0))]), {}],
      ['grpc-encoding gzip with a message that is not gzip', () => grpcFrame(Buffer.from('not gzip at all'), { compressed: true }), { 'grpc-encoding': 'gzip' }],
      ['a compressed message without grpc-encoding', () => grpcFrame(zlib.gzipSync(Buffer.alloc(0)), { compressed: true }), {}],
      ['an unsupported grpc-encoding', () => grpcFrame(Buffer.from('xx'), { compressed: true }), { 'grpc-encoding': 'snappy' }],
      ['a malformed grpc-timeout', () => healthRequest(), { 'grpc-timeout': 'soon' }],
      ['a grpc-timeout of 9 digits', () => healthRequest(), { 'grpc-timeout': '123456789S' }],
    ];
    for (const [what, body, headers] of FRAMING) {
      test(`${what} → the code gRPC-Web gives (Trailers-Only), and never OK`, T, async () => {
        const ref = await grpcWebRef(HEALTH, body(), headers);
        assert.notEqual(ref.grpcStatus, GRPC.OK, `${what}: the gRPC-Web reference must be an error: ${fmt(ref)}`);
        const r = await grpcH2({ port: srv.port, path: HEALTH, headers, body: body() });
        assertTrailersOnly(r, what);
        assert.equal(r.grpcStatus, ref.grpcStatus, `${what}: ${grpcCodeName(r.grpcStatus)} vs gRPC-Web's ${grpcCodeName(ref.grpcStatus)}: ${describeH2(r)}`);
      });
    }

    test('a missing tenant with multitenancy on → UNAUTHENTICATED (16), as over Connect (401)', T, async () => {
      const init = { name: 'service_name', start: START, end: END };
      const ref = await connectRef(svc.querier(), 'LabelValues', init);
      assert.equal(ref.status, 401, `Connect reference: ${describeRes(ref.res)}`);
      const want = grpcCodeOfConnect(ref.error.code);
      assert.equal(want, GRPC.UNAUTHENTICATED);
      await assert.rejects(grpcJs(svc.querier(), 'LabelValues', init), (err) => {
        assert.equal(err.code, want, `grpc-js: ${grpcCodeName(err.code)} ${err.details}`);
        return true;
      });
      await assert.rejects(createClient(svc.querier(), grpcTransport()).labelValues(init), (err) => {
        assert.equal(err.code, want, `connect-node gRPC: ${err.code} ${err.rawMessage}`);
        return true;
      });
      const r = await buf(svc.querier(), 'LabelValues', init);
      assert.equal(r.grpcCode, want, `buf curl: exit ${r.code}, ${r.stderr}`);
      const m = methodOf(svc.querier(), 'LabelValues');
      const raw = await grpcH2({ port: srv.port, path: '/querier.v1.QuerierService/LabelValues', body: grpcFrame(toBinary(m.input, create(m.input, init))) });
      assertTrailersOnly(raw, 'no tenant');
      assert.equal(raw.grpcStatus, want, `by hand: ${describeH2(raw)}`);
      assert.equal(raw.grpcMessage, ref.error.message, 'grpc-message equals the Connect message');
    });

    test('an unknown method → UNIMPLEMENTED (HTTP 404 or grpc-status 12), as Connect answers 404', T, async () => {
      for (const p of ['/querier.v1.QuerierService/Nope', '/foo.v1.Nope/Call']) {
        const ref = await connectUnary(srv.baseUrl, p, Buffer.alloc(0), { contentType: 'application/proto', headers: tenantHeaders(QT) });
        assert.equal(ref.status, 404, `${p}: Connect reference: ${describeRes(ref)}`);
        await assert.rejects(grpcUnaryRaw({ port: srv.port, path: p, body: Buffer.alloc(0), metadata: tenantMetadata(QT) }), (err) => {
          assert.equal(err.code, GRPC.UNIMPLEMENTED, `grpc-js ${p}: ${grpcCodeName(err.code)} ${err.details}`);
          return true;
        });
        const raw = await grpcH2({ port: srv.port, path: p, headers: { 'x-scope-orgid': QT }, body: grpcFrame(Buffer.alloc(0)) });
        assert.ok(raw.status === 404 || (raw.status === 200 && raw.grpcStatus === GRPC.UNIMPLEMENTED),
          `${p} by hand: HTTP 404, or 200 with grpc-status 12; got ${describeH2(raw)}`);
      }
    });

    test('a gzip-compressed request message (grpc-encoding: gzip) works', T, async () => {
      // By hand: a Push whose one message is gzipped.
      const tenant = uniqueTenant('grpc-gzip');
      const { profile, totals } = cpuProfile({ counts: [21, 23] });
      const series = pushSeries('grpc-gzip', profile);
      const r = await grpcH2({
        port: srv.port, path: '/push.v1.PusherService/Push', headers: { 'x-scope-orgid': tenant, 'grpc-encoding': 'gzip' },
        body: grpcFrame(zlib.gzipSync(encodePushRequest(series)), { compressed: true }),
      });
      assertGrpcOk(r, 'gzipped Push by hand');
      await assertStoredLikeConnect(tenant, series, totals[1], 'gzipped Push by hand');

      // grpc-js compressing with gzip (a fresh channel compresses its first call).
      const t2 = uniqueTenant('grpc-gzip-js');
      const c2 = cpuProfile({ counts: [29, 31] });
      const s2 = pushSeries('grpc-gzip-js', c2.profile);
      await grpcUnary({
        port: srv.port, files: [PUSH_PROTO], service: 'push.v1.PusherService', method: 'Push', request: { series: pushInit(s2).series },
        metadata: tenantMetadata(t2), channelOptions: { 'grpc.default_compression_algorithm': 2 /* gzip */ },
      });
      await assertStoredLikeConnect(t2, s2, c2.totals[1], 'grpc-js with gzip');

      // connect-node with gzip from the first byte on.
      const init = { name: 'service_name', start: START, end: END };
      const ref = await connectRef(svc.querier(), 'LabelValues', init, QT);
      const client = createClient(svc.querier(), grpcTransport({ sendCompression: compressionGzip, compressMinBytes: 0 }));
      assert.deepEqual(await client.labelValues(init, { headers: tenantMetadata(QT) }), ref.message, 'connect-node gRPC with gzip');
    });

    test('a message just under the body limit arrives whole (flow control); one over it is RESOURCE_EXHAUSTED or a reset', T, async () => {
      // Health/Check ignores an unknown field 99 holding ~900 KiB.
      const padding = randomBytes(BODY_LIMIT - 100 * 1024);
      const big = Buffer.concat([Buffer.from([0x9a, 0x06]), varintBytes(padding.length), padding]);
      const ok = await grpcH2({ port: srv.port, path: HEALTH, body: grpcFrame(big) });
      assertGrpcOk(ok, `a ${big.length}-byte message`);
      const viaJs = await grpcUnaryRaw({ port: srv.port, path: HEALTH, body: big });
      assert.equal(viaJs.status.code, GRPC.OK, 'grpc-js with the same message');

      const tenant = uniqueTenant('grpc-too-big');
      const huge = encodePushRequest([{ labels: { __name__: 'process_cpu', service_name: 'too-big' }, samples: [{ rawProfile: randomBytes(BODY_LIMIT + 512 * 1024) }] }]);
      const ref = await push(srv.baseUrl, huge, { tenant });
      assert.equal(ref.status, 413, `Connect reference: ${describeRes(ref)}`);
      // The Connect path says 413 with its own code; gRPC may say that code, RESOURCE_EXHAUSTED,
      // or reset the stream.
      const connectCode = grpcCodeOfConnect(ref.json().code);
      const r = await grpcH2({ port: srv.port, path: '/push.v1.PusherService/Push', headers: { 'x-scope-orgid': tenant }, body: grpcFrame(huge) });
      const reset = r.rstCode !== undefined && r.rstCode !== 0;
      assert.ok(r.grpcStatus === GRPC.RESOURCE_EXHAUSTED || r.grpcStatus === connectCode || reset,
        `a message over -server.http-max-request-body-bytes: RESOURCE_EXHAUSTED (or ${grpcCodeName(connectCode)} as Connect says) or a stream reset; got ${describeH2(r)}`);
      assert.deepEqual(await stored(tenant), [], 'nothing stored');

      // A gzip bomb: 8 MiB of zeros in a few KB; the gRPC-Web path is the reference.
      const bomb = grpcFrame(gzipBomb(8 << 20), { compressed: true });
      const webRef = await grpcWebRef(HEALTH, bomb, { 'grpc-encoding': 'gzip' });
      assert.notEqual(webRef.grpcStatus, GRPC.OK, `gRPC-Web reference for the bomb: ${fmt(webRef)}`);
      const b = await grpcH2({ port: srv.port, path: HEALTH, headers: { 'grpc-encoding': 'gzip' }, body: bomb });
      assertTrailersOnly(b, 'gzip bomb');
      assert.equal(b.grpcStatus, webRef.grpcStatus, `gzip bomb: ${describeH2(b)}`);
      await assertHealthy('after the oversized messages');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('OTLP ProfilesService/Export over gRPC', () => {
    const request = sampleRequest({ nowMs });
    const expected = expectedFromRequest(request);

    /** Everything `exp` says `tenant` must hold (series and totals exactly, flame graphs, spans). */
    async function checkOtlpStored(tenant, exp, what) {
      const ing = await getIngested(srv.baseUrl, tenant);
      const got = new Map(ing.series.map((s) => [labelsKey(s.labels), s.totals]));
      const want = new Map([...exp.series].map(([k, s]) => [k, s.totals]));
      assert.deepEqual(sortedEntries(got), sortedEntries(want), `${what}: stored series and totals; got ${fmt(ing.series)}`);
      const querier = createClient(svc.querier(), createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true }));
      const h = { headers: tenantHeaders(tenant) };
      for (const x of exp.byServiceType.values()) {
        const g = await querier.selectMergeStacktraces({ profileTypeID: x.typeId, labelSelector: `{service_name="${x.service}"}`, start: START, end: END }, h);
        assert.equal(g.flamegraph?.total, x.total, `${what}: flame graph total of ${x.service} ${x.typeId}`);
      }
      for (const s of exp.spans.values()) {
        const res = await querier.selectMergeSpanProfile({ profileTypeID: s.typeId, labelSelector: '{}', spanSelector: [s.spanId], start: START, end: END }, h);
        assert.equal(res.flamegraph?.total ?? 0n, s.total, `${what}: span ${s.spanId} in ${s.typeId}`);
      }
    }

    const exportJs = (req, tenant) => grpcUnary({
      port: srv.port, files: [OTLP_SERVICE_PROTO], service: OTLP_SERVICE, method: 'Export', request: req, metadata: tenantMetadata(tenant),
    });
    const exportHttp = (req, tenant) => httpRequest(srv.baseUrl, OTLP_HTTP_PATH, {
      method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', ...tenantHeaders(tenant) }, body: encodeRequest(req),
    });

    test('grpc-js (proto-loader) encodes the request exactly as lib/otlp.mjs does', () => {
      // So the server sees the same bytes over gRPC as over HTTP: a check of the test itself.
      const m = grpcMethod([OTLP_SERVICE_PROTO], OTLP_SERVICE, 'Export');
      assert.deepEqual(m.requestSerialize(plain(request)), encodeRequest(request));
    });

    test('the sample request over grpc-js is stored as the request means, as over OTLP/HTTP', T, async () => {
      const tenant = uniqueTenant('grpc-otlp');
      const { response, status } = await exportJs(request, tenant);
      assert.equal(status.code, GRPC.OK);
      assert.equal(BigInt(response.partialSuccess?.rejectedProfiles ?? 0), 0n, `nothing rejected: ${fmt(response)}`);
      await checkOtlpStored(tenant, expected, 'grpc-js Export');
      const ref = uniqueTenant('grpc-otlp-ref');
      assert.equal((await exportHttp(request, ref)).status, 200);
      assert.deepEqual(await stored(tenant), await stored(ref), 'what gRPC stored equals what OTLP/HTTP stored');
    });

    test('connect-node gRPC and a gzipped message by hand store the same', T, async () => {
      const tenant = uniqueTenant('grpc-otlp-cn');
      const schema = methodOf(svc.otlp(), 'Export').input;
      const client = createClient(svc.otlp(), grpcTransport());
      const res = await client.export(fromBinary(schema, encodeRequest(request)), { headers: tenantMetadata(tenant) });
      assert.equal(res.partialSuccess?.rejectedProfiles ?? 0n, 0n, `nothing rejected: ${fmt(res)}`);
      await checkOtlpStored(tenant, expected, 'connect-node Export');

      const t2 = uniqueTenant('grpc-otlp-gz');
      const r = await grpcH2({
        port: srv.port, path: OTLP_EXPORT_PATH, headers: { 'x-scope-orgid': t2, 'grpc-encoding': 'gzip' },
        body: grpcFrame(zlib.gzipSync(encodeRequest(request)), { compressed: true }),
      });
      assertGrpcOk(r, 'gzipped Export by hand');
      await checkOtlpStored(t2, expected, 'gzipped Export by hand');
    });

    test('a bad profile → INVALID_ARGUMENT naming it (OTLP/HTTP: 400), nothing stored', T, async () => {
      const { req } = smallRequest({ service: 'otlp-broken' });
      req.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[1].stackIndex = 99;
      const refTenant = uniqueTenant('grpc-otlp-bad-ref');
      const ref = await exportHttp(req, refTenant);
      assert.equal(ref.status, 400, `OTLP/HTTP reference: ${describeRes(ref)}`);
      const tenant = uniqueTenant('grpc-otlp-bad');
      await assert.rejects(exportJs(req, tenant), (err) => {
        assert.equal(err.code, GRPC.INVALID_ARGUMENT, `grpc-js: ${grpcCodeName(err.code)} ${err.details}`);
        assert.match(err.details, /stack/i);
        assert.match(err.details, /\b99\b/);
        return true;
      });
      assert.deepEqual(await stored(tenant), [], 'nothing stored');
    });

    test('one bad profile of two → OK with partial_success as OTLP/HTTP reports it; the good one stored', T, async () => {
      const { req, builder } = smallRequest({ service: 'otlp-partial-good' });
      const good = expectedFromRequest(req);
      builder.resource({ attributes: { 'service.name': 'otlp-partial-bad' } }, [{ name: 'small', profiles: [smallProfileSpec()] }]);
      req.resourceProfiles.unshift(req.resourceProfiles.pop());
      req.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[0].stackIndex = 4242;
      const refTenant = uniqueTenant('grpc-otlp-partial-ref');
      const ref = await exportHttp(req, refTenant);
      assert.equal(ref.status, 200, describeRes(ref));
      const refPs = decodeMessage(ref.body).partialSuccess ?? {};
      assert.equal(refPs.rejectedProfiles, '1', `OTLP/HTTP reference: ${fmt(refPs)}`);

      const tenant = uniqueTenant('grpc-otlp-partial');
      const { response } = await exportJs(req, tenant);
      assert.equal(String(response.partialSuccess?.rejectedProfiles), '1', `grpc-js: ${fmt(response)}`);
      assert.equal(response.partialSuccess.errorMessage, refPs.errorMessage, 'the same error message as over OTLP/HTTP');
      await checkOtlpStored(tenant, good, 'partial success');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('HTTP/1.1 and HTTP/2 on one port', () => {
    test('gRPC over HTTP/1.1 is a 505 that says gRPC needs HTTP/2', T, async () => {
      for (const [p, tenant] of [[HEALTH, null], ['/querier.v1.QuerierService/LabelNames', QT], ['/push.v1.PusherService/Push', QT], [OTLP_EXPORT_PATH, QT]]) {
        for (const ct of ['application/grpc', 'application/grpc+proto']) {
          const body = grpcFrame(Buffer.alloc(0));
          const res = await httpRequest(srv.baseUrl, p, {
            method: 'POST', body, headers: { 'Content-Type': ct, 'Content-Length': String(body.length), TE: 'trailers', ...tenantHeaders(tenant) },
          });
          assert.equal(res.status, 505, `${p} (${ct}) over HTTP/1.1: ${describeRes(res)}`);
          assert.match(res.text, /HTTP\/2/, `${p}: the answer says gRPC needs HTTP/2: ${describeRes(res)}`);
        }
      }
    });

    test('over HTTP/2 every kind of route answers as over HTTP/1.1', T, async () => {
      const session = await h2Connect(srv.port);
      try {
        const same = async (what, h1, h2opts, { compareBody = true } = {}) => {
          const a = await h1();
          const b = await h2Request({ session, ...h2opts });
          assert.ok(!b.error, `${what} over HTTP/2: ${describeH2(b)}`);
          assert.equal(b.status, a.status, `${what}: status over HTTP/2 vs HTTP/1.1: ${describeH2(b)} vs ${describeRes(a)}`);
          assert.equal(String(b.headers['content-type'] ?? ''), String(a.headers['content-type'] ?? ''), `${what}: content-type`);
          if (compareBody) assert.deepEqual(b.data, a.body, `${what}: body`);
          return { a, b };
        };
        await same('GET /ready', () => httpRequest(srv.baseUrl, '/ready'), { headers: { ':path': '/ready' } });
        await same('GET unknown route', () => httpRequest(srv.baseUrl, '/no/such/route'), { headers: { ':path': '/no/such/route' } });
        await same('GET /metrics', () => httpRequest(srv.baseUrl, '/metrics'), { headers: { ':path': '/metrics' } }, { compareBody: false });
        await same('Connect JSON Health/Check', () => connectUnary(srv.baseUrl, HEALTH, '{}'),
          { headers: { ':method': 'POST', ':path': HEALTH, 'content-type': 'application/json' }, body: Buffer.from('{}') });
        const lv = Buffer.from(JSON.stringify({ name: 'service_name', start: String(START), end: String(END) }));
        await same('Connect JSON LabelValues', () => connectUnary(srv.baseUrl, '/querier.v1.QuerierService/LabelValues', lv, { headers: tenantHeaders(QT) }),
          { headers: { ':method': 'POST', ':path': '/querier.v1.QuerierService/LabelValues', 'content-type': 'application/json', 'x-scope-orgid': QT }, body: lv });
        const m = methodOf(svc.querier(), 'SelectMergeStacktraces');
        const sm = Buffer.from(toBinary(m.input, create(m.input, { profileTypeID: CPU, labelSelector: '{}', start: START, end: END })));
        await same('Connect proto SelectMergeStacktraces', () => connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', sm, { contentType: 'application/proto', headers: tenantHeaders(QT) }),
          { headers: { ':method': 'POST', ':path': '/querier.v1.QuerierService/SelectMergeStacktraces', 'content-type': 'application/proto', 'x-scope-orgid': QT }, body: sm });
        const web = grpcFrame(Buffer.alloc(0));
        await same('gRPC-Web Health/Check', () => httpRequest(srv.baseUrl, HEALTH, { method: 'POST', body: web, headers: { 'Content-Type': 'application/grpc-web+proto', 'Content-Length': '5' } }),
          { headers: { ':method': 'POST', ':path': HEALTH, 'content-type': 'application/grpc-web+proto' }, body: web });
        await same('Connect 400', () => connectUnary(srv.baseUrl, HEALTH, '{"service":'),
          { headers: { ':method': 'POST', ':path': HEALTH, 'content-type': 'application/json' }, body: Buffer.from('{"service":') });

        // POST /ingest over HTTP/2 stores what the same body over HTTP/1.1 stores.
        const [t1, t2] = [uniqueTenant('h1-ingest'), uniqueTenant('h2-ingest')];
        const folded = 'main;a;b 3\nmain;c 5\n';
        assert.equal((await ingest(srv.baseUrl, { name: 'h2app.cpu' }, folded, { tenant: t1 })).status, 200);
        const r = await h2Request({ session, headers: { ':method': 'POST', ':path': '/ingest?name=h2app.cpu', 'x-scope-orgid': t2 }, body: Buffer.from(folded) });
        assert.equal(r.status, 200, `POST /ingest over HTTP/2: ${describeH2(r)}`);
        assert.deepEqual(await stored(t2), await stored(t1), '/ingest over HTTP/2 stores what HTTP/1.1 stores');
      } finally {
        session.close();
      }
    });

    test('connect-node Connect and gRPC-Web transports over HTTP/2 answer as over HTTP/1.1', T, async () => {
      const init = { name: 'service_name', start: START, end: END };
      const ref = await connectRef(svc.querier(), 'LabelValues', init, QT);
      for (const [name, make] of [
        ['Connect binary', (sessionManager) => createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '2', sessionManager, useBinaryFormat: true })],
        ['Connect JSON', (sessionManager) => createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '2', sessionManager, useBinaryFormat: false })],
        ['gRPC-Web', (sessionManager) => createGrpcWebTransport({ baseUrl: srv.baseUrl, httpVersion: '2', sessionManager, useBinaryFormat: true })],
      ]) {
        const sm = new Http2SessionManager(srv.baseUrl);
        sessions.push(sm);
        const client = createClient(svc.querier(), make(sm));
        assert.deepEqual(await client.labelValues(init, { headers: tenantMetadata(QT) }), ref.message, `${name} over HTTP/2`);
      }
    });

    test('HTTP/1.1 calls interleave with gRPC calls on an open HTTP/2 connection', T, async () => {
      const client = grpcClient({ port: srv.port });
      try {
        const call = () => grpcUnary({ port: srv.port, client, files: [HEALTH_PROTO], service: 'grpc.health.v1.Health', method: 'Check' });
        for (let i = 0; i < 3; i++) {
          assert.equal((await call()).response.status, 'SERVING', `gRPC call ${i}`);
          const v = await connectUnary(srv.baseUrl, '/version.v1.Version/Version', '{}');
          assert.equal(v.status, 200, `Connect over HTTP/1.1 between gRPC calls: ${describeRes(v)}`);
        }
      } finally {
        client.close();
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('hostile HTTP/2', () => {
    test('the server advertises SETTINGS_MAX_CONCURRENT_STREAMS 100 and SETTINGS_MAX_HEADER_LIST_SIZE 65536', T, async () => {
      const c = await H2Raw.connect(srv.port);
      try {
        const s = await c.handshake();
        assert.equal(s[H2.SETTINGS_MAX_CONCURRENT_STREAMS], 100, `SETTINGS: ${fmt(s)}`);
        assert.equal(s[H2.SETTINGS_MAX_HEADER_LIST_SIZE], 65536, `SETTINGS: ${fmt(s)}`);
        assert.ok(s[H2.SETTINGS_MAX_FRAME_SIZE] === undefined || s[H2.SETTINGS_MAX_FRAME_SIZE] === 16384, `SETTINGS: ${fmt(s)}`);
      } finally {
        c.destroy();
      }
    });

    test('a bad preface after "PRI * HTTP/2.0" closes that connection; the server serves on', T, async () => {
      const c = await H2Raw.connect(srv.port);
      try {
        await c.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'));
        await c.write(Buffer.concat([Buffer.from('garbage that is no frame '.repeat(4)), h2Frame(H2.SETTINGS, 0, 0)]));
        const closed = await c.waitClosed(5000);
        assert.ok(closed, `the connection should be closed (after a GOAWAY or an HTTP/1.1 error, if anything): ${c.describe()}`);
        if (c.goaway) assert.notEqual(c.goaway.errorCode, H2.NO_ERROR, `a GOAWAY for a bad preface carries an error: ${c.describe()}`);
        if (!c.frames.length && c.all.length) assert.match(c.rawText(), /^HTTP\/1\.1 [45]\d\d /, `not HTTP/2, so an HTTP/1.1 error: ${c.describe()}`);
      } finally {
        c.destroy();
      }
      await assertHealthy('after a bad preface');
    });

    test('a frame larger than SETTINGS_MAX_FRAME_SIZE → GOAWAY FRAME_SIZE_ERROR and close', T, async () => {
      const c = await H2Raw.connect(srv.port);
      try {
        await c.handshake();
        await c.write(h2Headers(1, [[':method', 'POST'], [':scheme', 'http'], [':authority', '127.0.0.1'], [':path', HEALTH],
          ['content-type', 'application/grpc'], ['te', 'trailers']]));
        // The header of a DATA frame of 20,000 bytes (max 16,384): the length alone is the error.
        // Its payload follows only if the server waits for it.
        await c.write(h2Frame(H2.DATA, 0, 1, Buffer.alloc(0), { length: 20_000 }));
        if (!(await c.waitFor((x) => x.goaway || x.closed, 2000).catch(() => false))) {
          await c.write(Buffer.alloc(20_000));
        }
        await c.waitFor((x) => x.goaway || x.closed, 5000, 'GOAWAY or close');
        assert.ok(c.goaway, `a GOAWAY: ${c.describe()}`);
        assert.equal(c.goaway.errorCode, H2.FRAME_SIZE_ERROR, `FRAME_SIZE_ERROR: ${c.describe()}`);
        assert.ok(await c.waitClosed(5000), `then the connection closes: ${c.describe()}`);
      } finally {
        c.destroy();
      }
      await assertHealthy('after an oversized frame');
    });

    for (const [what, frame, code] of [
      ['DATA on stream 0', () => h2Frame(H2.DATA, 0, 0, Buffer.from('xyz')), H2.PROTOCOL_ERROR],
      ['a SETTINGS frame of 5 bytes', () => h2Frame(H2.SETTINGS, 0, 0, Buffer.alloc(5)), H2.FRAME_SIZE_ERROR],
      ['a PING of 3 bytes', () => h2Frame(H2.PING, 0, 0, Buffer.alloc(3)), H2.FRAME_SIZE_ERROR],
      ['a WINDOW_UPDATE of 0 on the connection', () => h2Frame(H2.WINDOW_UPDATE, 0, 0, Buffer.alloc(4)), H2.PROTOCOL_ERROR],
      ['HEADERS on an even (server-initiated) stream id', () => h2Headers(2, [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', '/ready']], { endStream: true }), H2.PROTOCOL_ERROR],
    ]) {
      test(`a malformed frame (${what}) → GOAWAY with the RFC 9113 error and close; others unaffected`, T, async () => {
        // A bystander connection with a call in flight before and after.
        const bystander = grpcClient({ port: srv.port });
        try {
          const call = () => grpcUnary({ port: srv.port, client: bystander, files: [HEALTH_PROTO], service: 'grpc.health.v1.Health', method: 'Check' });
          await call();
          const c = await H2Raw.connect(srv.port);
          try {
            await c.handshake();
            await c.write(frame());
            await c.waitFor((x) => x.goaway || x.closed, 5000, 'GOAWAY or close');
            assert.ok(c.goaway, `a GOAWAY: ${c.describe()}`);
            assert.equal(c.goaway.errorCode, code, `error code ${code}: ${c.describe()}`);
            assert.ok(await c.waitClosed(5000), `then the connection closes: ${c.describe()}`);
          } finally {
            c.destroy();
          }
          assert.equal((await call()).response.status, 'SERVING', 'the bystander connection still works');
        } finally {
          bystander.close();
        }
        await assertHealthy(`after ${what}`);
      });
    }

    // Before the client ACKs the server's SETTINGS they are not in force (RFC 9113 §6.5.3):
    // a server then refuses streams over its pending limit with RST_STREAM REFUSED_STREAM; once
    // they are, opening more is a protocol error it may answer with GOAWAY. Either way at most
    // 100 streams are accepted, and the accepted ones work.
    for (const ack of [false, true]) {
      test(`1,000 streams opened at once (SETTINGS ${ack ? '' : 'not '}acknowledged): at most 100 accepted, the rest refused; the accepted ones complete`, T, async () => {
        const ref = await connectRef(svc.health(), 'Check', {});
        const expectedData = grpcFrame(ref.bytes);
        const c = await H2Raw.connect(srv.port);
        try {
          await c.handshake({ [H2.SETTINGS_INITIAL_WINDOW_SIZE]: 1 << 20 }, { ack });
          // Every stream waits for its message, so none can finish before all are open.
          const ids = Array.from({ length: 1000 }, (_, i) => 2 * i + 1);
          await c.write(Buffer.concat(ids.map((id) => h2Headers(id, [[':method', 'POST'], [':scheme', 'http'], [':authority', '127.0.0.1'],
            [':path', HEALTH], ['content-type', 'application/grpc'], ['te', 'trailers']]))));
          // Refusals: RST_STREAM REFUSED_STREAM, or a GOAWAY whose last stream id leaves them out.
          const refused = () => new Set(c.frames.filter((f) => f.type === H2.RST_STREAM && f.errorCode === H2.REFUSED_STREAM).map((f) => f.streamId));
          await c.waitFor((x) => x.goaway || x.closed || refused().size >= 900, 10_000, 'refusals');
          await delay(300);  // let the last refusals arrive
          assert.ok(c.goaway || refused().size >= 900, `refused with RST_STREAM REFUSED_STREAM or a GOAWAY: ${c.describe()}`);
          const last = c.goaway ? c.goaway.lastStreamId : Infinity;
          const others = c.frames.filter((f) => f.type === H2.RST_STREAM && f.errorCode !== H2.REFUSED_STREAM);
          assert.deepEqual(others.map((f) => [f.streamId, f.errorCode]), [], `no stream reset for another reason: ${c.describe()}`);
          const accepted = ids.filter((id) => id <= last && !refused().has(id));
          assert.ok(accepted.length <= 100, `at most 100 concurrent streams accepted; got ${accepted.length}: ${c.describe()}`);
          assert.ok(accepted.length >= 1, `some streams are accepted: ${c.describe()}`);
          if (!c.closed && (!c.goaway || c.goaway.errorCode === H2.NO_ERROR)) {
            await c.write(Buffer.concat(accepted.map((id) => h2Frame(H2.DATA, H2.END_STREAM, id, grpcFrame(Buffer.alloc(0))))));
            await c.waitFor((x) => accepted.every((id) => x.streamEnded(id)), 10_000, 'the accepted streams to complete');
            for (const id of accepted) {
              assert.equal(c.streamStatus(id), 200, `stream ${id}: :status 200`);
              assert.deepEqual(c.streamData(id), expectedData, `stream ${id}: the Health/Check message`);
            }
          } else {
            assert.ok(await c.waitClosed(5000), `after a GOAWAY with an error the connection closes: ${c.describe()}`);
          }
        } finally {
          c.destroy();
        }
        await assertHealthy('after 1,000 streams at once');
      });
    }

    test('a header list far over 64 KiB → the stream refused or reset (or a 4xx), never served; the server serves on', T, async () => {
      const bombHeaders = Array.from({ length: 16 }, (_, i) => [`x-bomb-${i}`, randomBytes(6 * 1024).toString('base64')]);  // 16 × 8 KiB
      const base = [[':method', 'GET'], [':scheme', 'http'], [':authority', '127.0.0.1'], [':path', '/ready']];
      const c = await H2Raw.connect(srv.port);
      try {
        await c.handshake();
        await c.write(h2Headers(1, [...base, ...bombHeaders], { endStream: true }));
        await c.waitFor((x) => x.streamEnded(1) || x.goaway || x.closed, 5000, 'an answer to the header bomb');
        const rst = c.streamFrames(1).find((f) => f.type === H2.RST_STREAM);
        const status = c.streamStatus(1);
        assert.ok(rst || c.goaway || c.closed || (status >= 400 && status < 500),
          `refused, reset, closed, or a 4xx such as 431; got :status ${status}: ${c.describe()}`);
        assert.notEqual(status, 200, `the oversized request must not be served: ${c.describe()}`);
        if (!c.goaway && !c.closed) {
          // The connection lives on, so its HPACK state must too: a normal request on it works.
          await c.write(h2Headers(3, base, { endStream: true }));
          await c.waitFor((x) => x.streamEnded(3) || x.goaway || x.closed, 5000, 'GET /ready on the same connection');
          if (!c.goaway && !c.closed) assert.equal(c.streamStatus(3), 200, `GET /ready after the bomb on the same connection: ${c.describe()}`);
        }
      } finally {
        c.destroy();
      }
      await assertHealthy('after a header bomb');
    });

    test('a header list under 64 KiB (48 KiB) is served', T, async () => {
      const headers = [[':method', 'GET'], [':scheme', 'http'], [':authority', '127.0.0.1'], [':path', '/ready'],
        ...Array.from({ length: 6 }, (_, i) => [`x-big-${i}`, 'v'.repeat(8 * 1024)])];
      const c = await H2Raw.connect(srv.port);
      try {
        await c.handshake();
        await c.write(h2Headers(1, headers, { endStream: true }));
        await c.waitFor((x) => x.streamEnded(1) || x.closed, 5000, 'the answer');
        assert.equal(c.streamStatus(1), 200, `48 KiB of headers: ${c.describe()}`);
        assert.equal(c.streamData(1).toString(), (await httpRequest(srv.baseUrl, '/ready')).text, 'the /ready body');
      } finally {
        c.destroy();
      }
    });

    test('a client that vanishes mid-request (headers sent, then the socket closed) costs nothing', T, async () => {
      for (let i = 0; i < 20; i++) {
        const c = await H2Raw.connect(srv.port);
        await c.handshake();
        await c.write(h2Headers(1, [[':method', 'POST'], [':scheme', 'http'], [':authority', '127.0.0.1'], [':path', '/push.v1.PusherService/Push'],
          ['content-type', 'application/grpc'], ['te', 'trailers'], ['x-scope-orgid', QT]]));
        await c.write(h2Frame(H2.DATA, 0, 1, grpcFrame(Buffer.alloc(100)).subarray(0, 50)));
        c.destroy();
      }
      await assertHealthy('after 20 vanished clients');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('many calls on one connection', () => {
    test('200 sequential calls on one grpc-js channel', T, async () => {
      const client = grpcClient({ port: srv.port });
      try {
        for (let i = 0; i < 200; i++) {
          const { response } = await grpcUnary({ port: srv.port, client, files: [HEALTH_PROTO], service: 'grpc.health.v1.Health', method: 'Check' });
          assert.equal(response.status, 'SERVING', `call ${i}`);
        }
      } finally {
        client.close();
      }
    });

    test('300 concurrent calls on one grpc-js channel (more than 100 streams: the client queues) all answer as Connect', T, async () => {
      const init = { name: 'service_name', start: START, end: END };
      const ref = await connectRef(svc.querier(), 'LabelValues', init, QT);
      const want = grpcJsDecoded(svc.querier(), 'LabelValues', ref.bytes);
      const client = grpcClient({ port: srv.port });
      try {
        const all = await Promise.all(Array.from({ length: 300 }, () => grpcJs(svc.querier(), 'LabelValues', init, QT, { client })));
        for (const [i, r] of all.entries()) assert.deepEqual(r.response, want, `call ${i}`);
      } finally {
        client.close();
      }
    });

    test('h2load: 200 GET /ready and 200 gRPC Health/Check over 2 h2c connections, 10 streams each, all 2xx', T, async () => {
      const dir = await makeTempDir('flamedb-h2load-');
      try {
        const bodyFile = path.join(dir, 'health.bin');
        await writeFile(bodyFile, grpcFrame(Buffer.alloc(0)));
        for (const [what, args] of [
          ['GET /ready', [`${srv.baseUrl}/ready`]],
          ['gRPC Health/Check', ['-d', bodyFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', `${srv.baseUrl}${HEALTH}`]],
        ]) {
          let out;
          try {
            out = await execFileAsync('h2load', ['-n', '200', '-c', '2', '-m', '10', ...args], { timeout: 20_000 });
          } catch (err) {
            if (err.code === 'ENOENT') throw new Error('h2load not found: install Debian\'s nghttp2-client (scripts/setup does)');
            throw new Error(`h2load ${what} failed: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
          }
          assert.match(out.stdout, /Application protocol: h2c/, `${what}: h2load speaks h2c:\n${out.stdout}`);
          assert.match(out.stdout, /requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored/, `${what}:\n${out.stdout}`);
          assert.match(out.stdout, /status codes: 200 2xx, 0 3xx, 0 4xx, 0 5xx/, `${what}:\n${out.stdout}`);
        }
      } finally {
        removeTempDir(dir);
      }
      await assertHealthy('after h2load');
    });
  });
});

/** Protobuf varint bytes of a non-negative integer. */
function varintBytes(n) {
  const out = [];
  let v = n;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return Buffer.from(out);
}
