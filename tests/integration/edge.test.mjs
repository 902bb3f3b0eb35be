// HTTP edge cases over raw sockets: oversized headers (431), oversized bodies (413), a stalled
// body (408 after -server.http-read-timeout), a garbage request line (400), an unknown route
// (404 JSON). After each, the server must still answer /ready.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { describe as describeRes, httpRequest, rawRequest, RawConn, requestHead } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const T = { timeout: 30_000 };
const HEALTH = '/grpc.health.v1.Health/Check';
const HEADER_LIMIT = 8192;
const BODY_LIMIT = 4096;

let srv;
before(async () => {
  srv = await startServer([
    `-server.http-max-request-header-bytes=${HEADER_LIMIT}`,
    `-server.http-max-request-body-bytes=${BODY_LIMIT}`,
    '-server.http-read-timeout=1s',
  ]);
});
after(async () => {
  await srv?.stop();
});

async function assertStillServing(after) {
  const res = await httpRequest(srv.baseUrl, '/ready', { timeoutMs: 5000 });
  assert.equal(res.status, 200, `after ${after}, GET /ready should still return 200; got ${describeRes(res)}`);
}

function healthRequest(body, extra = {}) {
  return requestHead('POST', HEALTH, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...extra }) + body;
}

describe('request size limits', () => {
  test(`headers within -server.http-max-request-header-bytes=${HEADER_LIMIT} are accepted`, T, async () => {
    const { conn, res } = await rawRequest(srv.port, requestHead('GET', '/ready', { 'X-Padding': 'a'.repeat(HEADER_LIMIT / 2) }));
    conn.destroy();
    assert.equal(res.status, 200, `a ${HEADER_LIMIT / 2}-byte header under a ${HEADER_LIMIT}-byte limit should be fine; got ${res.status}`);
  });

  test('a header block over the limit gets 431', T, async () => {
    const { conn, res } = await rawRequest(srv.port, requestHead('GET', '/ready', { 'X-Padding': 'a'.repeat(HEADER_LIMIT * 2) }));
    conn.destroy();
    assert.equal(res.status, 431, `a ${HEADER_LIMIT * 2}-byte header over a ${HEADER_LIMIT}-byte limit should get 431; got ${res.status} ${res.text}`);
    await assertStillServing('a 431');
  });

  test(`a body within -server.http-max-request-body-bytes=${BODY_LIMIT} is accepted`, T, async () => {
    const { conn, res } = await rawRequest(srv.port, healthRequest('{}'.padEnd(BODY_LIMIT / 2, ' ')));
    conn.destroy();
    assert.equal(res.status, 200, `a ${BODY_LIMIT / 2}-byte body under a ${BODY_LIMIT}-byte limit should be fine; got ${res.status} ${res.text}`);
    assert.deepEqual(JSON.parse(res.text), { status: 'SERVING' });
  });

  test('a body over the limit gets 413', T, async () => {
    const { conn, res } = await rawRequest(srv.port, healthRequest('{}'.padEnd(BODY_LIMIT * 2, ' ')));
    conn.destroy();
    assert.equal(res.status, 413, `a ${BODY_LIMIT * 2}-byte body over a ${BODY_LIMIT}-byte limit should get 413; got ${res.status} ${res.text}`);
    await assertStillServing('a 413');
  });
});

describe('malformed and slow requests', () => {
  test('a body that stalls past -server.http-read-timeout=1s gets 408, then the connection closes', T, async () => {
    const conn = await RawConn.connect(srv.port);
    try {
      const started = Date.now();
      // Content-Length 100, but only 10 bytes of body, then nothing.
      await conn.write(requestHead('POST', HEALTH, { 'Content-Type': 'application/json', 'Content-Length': 100 }) + '{}        ');
      const res = await conn.readResponse({ timeoutMs: 10_000 });
      const elapsed = Date.now() - started;
      assert.equal(res.status, 408, `a stalled body should get 408 Request Timeout; got ${res.status} ${res.text}`);
      assert.ok(elapsed >= 500, `the 408 should come after the 1 s read timeout, not at once (${elapsed} ms)`);
      assert.ok(await conn.waitClosed({ timeoutMs: 5000 }), 'the server should close the connection after the 408');
    } finally {
      conn.destroy();
    }
    await assertStillServing('a 408');
  });

  test('a garbage request line gets 400', T, async () => {
    const { conn, res } = await rawRequest(srv.port, 'GARBAGE\r\n\r\n');
    conn.destroy();
    assert.equal(res.status, 400, `"GARBAGE\\r\\n\\r\\n" should get 400; got ${res.status} ${res.text}`);
    await assertStillServing('a 400');
  });

  test('an unknown route gets a 404 JSON error', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/nope');
    assert.equal(res.status, 404, `GET /nope should return 404; got ${describeRes(res)}`);
    assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `the 404 should be JSON; got ${describeRes(res)}`);
    const body = res.json();
    assert.equal(body.code, 'not_found', `the 404 body should have code "not_found"; got ${res.text}`);
    assert.equal(typeof body.message, 'string', `the 404 body should have a message; got ${res.text}`);
    await assertStillServing('a 404');
  });
});
