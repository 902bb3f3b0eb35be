// Connect unary protocol on /version.v1.Version/Version and /grpc.health.v1.Health/Check:
// by hand (JSON and binary bodies, compression, timeouts, every error path) and with the real
// Connect client generated from proto/ by protoc-gen-es.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { create, fromBinary, fromJson, toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport } from '@connectrpc/connect-node';

import { connectUnary, describe as describeRes, httpRequest, RawConn, requestHead } from './lib/http.mjs';
import { HEALTH_PROTO, loadProtos, VERSION_PROTO } from './lib/proto.mjs';
import { startServer } from './lib/server.mjs';

const T = { timeout: 30_000 };
const HEALTH = '/grpc.health.v1.Health/Check';
const VERSION = '/version.v1.Version/Version';

let srv;
let pb; // { [file]: generated module }
before(async () => {
  [srv, pb] = await Promise.all([startServer(), loadProtos([VERSION_PROTO, HEALTH_PROTO])]);
});
after(async () => {
  await srv?.stop();
});

const health = () => pb[HEALTH_PROTO];
const version = () => pb[VERSION_PROTO];
const SERVING = () => health().HealthCheckResponse_ServingStatus.SERVING;

/** The VersionResponse's one uint64 field (named after Pyroscope's, e.g. QuerierAPI). */
function versionValue(msg) {
  const field = version().VersionResponseSchema.fields.find((f) => f.number === 1);
  assert.ok(field, 'VersionResponse should have a field number 1');
  return msg[field.localName];
}

function assertVersionValue(v, how) {
  assert.equal(typeof v, 'bigint', `${how}: VersionResponse field 1 should decode as a uint64 (bigint); got ${typeof v}`);
  assert.ok(v >= 0n, `${how}: VersionResponse field 1 should be >= 0; got ${v}`);
}

/** Asserts a Connect error response: HTTP status, JSON content type, and code. Returns the body. */
function assertConnectError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: expected HTTP ${status} (${code}); got ${describeRes(res)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/,
    `${what}: a Connect error body should be application/json; got ${describeRes(res)}`);
  const body = res.json();
  assert.equal(body.code, code, `${what}: error code should be "${code}"; got ${res.text}`);
  assert.equal(typeof body.message, 'string', `${what}: error should carry a "message" string; got ${res.text}`);
  return body;
}

describe('Connect unary by hand', () => {
  test('Health/Check with a JSON body returns {"status":"SERVING"}', T, async () => {
    for (const ct of ['application/json', 'application/json; charset=utf-8']) {
      const res = await connectUnary(srv.baseUrl, HEALTH, '{}', { contentType: ct });
      assert.equal(res.status, 200, `Health/Check (${ct}) should return 200; got ${describeRes(res)}`);
      assert.match(res.headers['content-type'] ?? '', /^application\/json\b/,
        `Health/Check (${ct}) response should be application/json; got ${res.headers['content-type']}`);
      assert.deepEqual(res.json(), { status: 'SERVING' }, `Health/Check (${ct}) should answer {"status":"SERVING"}`);
    }
  });

  test('Health/Check with a binary body decodes to SERVING', T, async () => {
    const req = toBinary(health().HealthCheckRequestSchema, create(health().HealthCheckRequestSchema, {}));
    const res = await connectUnary(srv.baseUrl, HEALTH, req, { contentType: 'application/proto' });
    assert.equal(res.status, 200, `Health/Check (application/proto) should return 200; got ${describeRes(res)}`);
    assert.match(res.headers['content-type'] ?? '', /^application\/proto\b/,
      `Health/Check (application/proto) response should be application/proto; got ${res.headers['content-type']}`);
    const msg = fromBinary(health().HealthCheckResponseSchema, res.body);
    assert.equal(msg.status, SERVING(), `HealthCheckResponse.status should be SERVING; got ${msg.status}`);
  });

  test('Version/Version answers in JSON and in binary', T, async () => {
    const j = await connectUnary(srv.baseUrl, VERSION, '{}');
    assert.equal(j.status, 200, `Version (JSON) should return 200; got ${describeRes(j)}`);
    let msg;
    assert.doesNotThrow(() => { msg = fromJson(version().VersionResponseSchema, j.json()); },
      `Version (JSON) body should be a VersionResponse; got ${j.text}`);
    assertVersionValue(versionValue(msg), 'JSON');

    const b = await connectUnary(srv.baseUrl, VERSION, Buffer.alloc(0), { contentType: 'application/proto' });
    assert.equal(b.status, 200, `Version (binary) should return 200; got ${describeRes(b)}`);
    assert.doesNotThrow(() => { msg = fromBinary(version().VersionResponseSchema, b.body); },
      'Version (binary) body should decode as a VersionResponse');
    assertVersionValue(versionValue(msg), 'binary');
  });

  test('capabilities.v1.FeatureFlagsService/GetFeatureFlags lists Pyroscope\'s flags, in JSON and with the generated client', T, async () => {
    const j = await connectUnary(srv.baseUrl, '/capabilities.v1.FeatureFlagsService/GetFeatureFlags', '{}');
    assert.equal(j.status, 200, describeRes(j));
    const names = j.json().featureFlags.map((f) => f.name);
    assert.deepEqual(names, ['v2StorageLayer', 'pyroscopeRuler', 'pyroscopeRulerFunctions', 'utf8LabelNames']);
    assert.ok(j.json().featureFlags.every((f) => !f.enabled), 'the single binary has none of them');
    const flags = (await loadProtos(['capabilities/v1/feature_flags.proto']))['capabilities/v1/feature_flags.proto'];
    const client = createClient(flags.FeatureFlagsService, createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1' }));
    const res = await client.getFeatureFlags({});
    assert.equal(res.featureFlags.length, 4);
    assert.match(res.featureFlags[0].description, /segment-writers/);
  });

  test('accepts gzip-compressed request bodies', T, async () => {
    const j = await connectUnary(srv.baseUrl, HEALTH, zlib.gzipSync('{}'), { headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(j.status, 200, `Health/Check with a gzip JSON body should return 200; got ${describeRes(j)}`);
    assert.deepEqual(j.json(), { status: 'SERVING' });

    const b = await connectUnary(srv.baseUrl, VERSION, zlib.gzipSync(Buffer.alloc(0)), {
      contentType: 'application/proto', headers: { 'Content-Encoding': 'gzip' },
    });
    assert.equal(b.status, 200, `Version with a gzip binary body should return 200; got ${describeRes(b)}`);
    assertVersionValue(versionValue(fromBinary(version().VersionResponseSchema, b.body)), 'gzip binary');
  });

  test('with Accept-Encoding: gzip the response is gzip or identity, and decodes', T, async () => {
    const res = await connectUnary(srv.baseUrl, HEALTH, '{}', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200, `Health/Check with Accept-Encoding: gzip should return 200; got ${describeRes(res)}`);
    const enc = (res.headers['content-encoding'] ?? 'identity').toLowerCase();
    assert.ok(enc === 'gzip' || enc === 'identity', `Content-Encoding should be gzip or identity; got ${enc}`);
    const body = enc === 'gzip' ? zlib.gunzipSync(res.body) : res.body;
    assert.deepEqual(JSON.parse(body.toString('utf8')), { status: 'SERVING' });
  });

  test('honours Connect-Timeout-Ms', T, async () => {
    const ok = await connectUnary(srv.baseUrl, HEALTH, '{}', { headers: { 'Connect-Timeout-Ms': '10000' } });
    assert.equal(ok.status, 200, `Health/Check with Connect-Timeout-Ms: 10000 should return 200; got ${describeRes(ok)}`);

    // A 300 ms deadline, and a body that takes ~1 s to arrive: the call must end in
    // deadline_exceeded (HTTP 504), whether the server answers as the deadline passes or once
    // the body is complete.
    const body = '{}'.padEnd(20, ' ');
    const conn = await RawConn.connect(srv.port);
    try {
      await conn.write(requestHead('POST', HEALTH, {
        'Content-Type': 'application/json', 'Content-Length': body.length, 'Connect-Timeout-Ms': '300',
      }) + body.slice(0, 5));
      const early = conn.readResponse({ timeoutMs: 10_000 });
      early.catch(() => {}); // observed below
      await delay(1000);
      await conn.write(body.slice(5));
      const res = await early;
      assert.equal(res.status, 504,
        `a call whose 300 ms Connect-Timeout-Ms passed should get HTTP 504; got ${res.status} ${res.text}`);
      const err = JSON.parse(res.text);
      assert.equal(err.code, 'deadline_exceeded', `error code should be deadline_exceeded; got ${res.text}`);
    } finally {
      conn.destroy();
    }
  });
});

describe('Connect errors', () => {
  test('GET on a Connect procedure returns 405', T, async () => {
    const res = await httpRequest(srv.baseUrl, HEALTH);
    assert.equal(res.status, 405, `GET ${HEALTH} should return 405; got ${describeRes(res)}`);
  });

  test('unsupported content types return 415', T, async () => {
    for (const ct of ['application/x-protobuf', 'text/plain']) {
      const res = await connectUnary(srv.baseUrl, HEALTH, '{}', { contentType: ct });
      assert.equal(res.status, 415, `Content-Type ${ct} should get 415; got ${describeRes(res)}`);
    }
  });

  test('a malformed JSON body returns 400 invalid_argument saying it could not be decoded', T, async () => {
    const res = await connectUnary(srv.baseUrl, HEALTH, '{"service":');
    const err = assertConnectError(res, 400, 'invalid_argument', 'malformed JSON body');
    assert.match(err.message, /decod|unmarshal|pars/i, `the message should say the body could not be decoded; got ${JSON.stringify(err.message)}`);
  });

  test('malformed protobuf bytes return 400 invalid_argument saying they could not be decoded', T, async () => {
    // Field 1, length-delimited, length 5, but only one byte follows: truncated for any schema.
    const res = await connectUnary(srv.baseUrl, HEALTH, Buffer.from([0x0a, 0x05, 0x61]), { contentType: 'application/proto' });
    const err = assertConnectError(res, 400, 'invalid_argument', 'malformed protobuf body');
    assert.match(err.message, /decod|unmarshal|pars/i, `the message should say the body could not be decoded; got ${JSON.stringify(err.message)}`);
  });

  test('Content-Encoding: gzip with a body that is not gzip returns 400 invalid_argument', T, async () => {
    const res = await connectUnary(srv.baseUrl, HEALTH, '{}', { headers: { 'Content-Encoding': 'gzip' } });
    assertConnectError(res, 400, 'invalid_argument', 'non-gzip body labelled gzip');
  });

  test('unknown procedures return 404', T, async () => {
    for (const p of ['/foo.v1.Nope/Call', '/grpc.health.v1.Health/Nope']) {
      const res = await connectUnary(srv.baseUrl, p, '{}');
      assert.equal(res.status, 404, `POST ${p} should return 404; got ${describeRes(res)}`);
    }
  });

  test('the server keeps serving after the errors', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/ready');
    assert.equal(res.status, 200, `GET /ready should still return 200; got ${describeRes(res)}`);
  });
});

describe('generated Connect client (connect-node)', () => {
  const transports = {
    binary: () => createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true }),
    json: () => createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: false }),
    // JSON so the request ("{}") is non-empty, and compressMinBytes 0 so it is really gzipped.
    'json+gzip': () => createConnectTransport({
      baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: false,
      sendCompression: compressionGzip, acceptCompression: [compressionGzip], compressMinBytes: 0,
    }),
    'binary+gzip': () => createConnectTransport({
      baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: true,
      sendCompression: compressionGzip, acceptCompression: [compressionGzip], compressMinBytes: 0,
    }),
  };

  for (const [name, makeTransport] of Object.entries(transports)) {
    test(`Version and Health/Check over ${name}`, T, async () => {
      const transport = makeTransport();
      const v = await createClient(version().Version, transport).version({});
      assertVersionValue(versionValue(v), name);
      const h = await createClient(health().Health, transport).check({});
      assert.equal(h.status, SERVING(), `Health/Check over ${name} should return SERVING; got ${h.status}`);
    });
  }
});
