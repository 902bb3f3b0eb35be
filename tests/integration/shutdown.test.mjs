// Graceful shutdown on SIGTERM: the listener closes at once (new connections are refused), a
// request already in flight is still answered, and the process then exits 0.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';

import { RawConn, requestHead } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const T = { timeout: 40_000 };
const HEALTH = '/grpc.health.v1.Health/Check';

/**
 * Resolves once a new connection to `port` is refused, or accepted and then closed without an
 * answer to GET /ready; returns a description of what happened. Rejects if the server still
 * serves new connections after timeoutMs.
 */
async function waitNewConnectionsRejected(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let conn;
    try {
      conn = await RawConn.connect(port, { timeoutMs: 1000 });
    } catch (err) {
      if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') return `connect failed with ${err.code}`;
      last = `connect error ${err.code ?? err.message}`;
    }
    if (conn) {
      try {
        await conn.write(requestHead('GET', '/ready', {}));
        const res = await conn.readResponse({ timeoutMs: 1000 });
        last = `a new connection was accepted and answered ${res.status}`;
      } catch {
        return 'a new connection was accepted, then closed without an answer';
      } finally {
        conn.destroy();
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`after SIGTERM, new connections should be refused within ${timeoutMs} ms; last attempt: ${last}`);
    }
    await delay(50);
  }
}

test('SIGTERM: listener closes, the in-flight request completes, exit code 0', T, async (t) => {
  const srv = await startServer(['-server.graceful-shutdown-timeout=20s']);
  t.after(() => srv.stop('SIGKILL'));

  const body = '{}'.padEnd(20, ' ');
  const conn = await RawConn.connect(srv.port);
  t.after(() => conn.destroy());
  // One full request first, so the connection has surely been accepted and is being served.
  await conn.write(requestHead('GET', '/ready', { Connection: 'keep-alive' }));
  const warm = await conn.readResponse();
  assert.equal(warm.status, 200, 'GET /ready on the connection before shutdown should return 200');

  // Headers and the first 5 bytes of a 20-byte body: the request is now in flight.
  await conn.write(requestHead('POST', HEALTH, { 'Content-Type': 'application/json', 'Content-Length': body.length }) + body.slice(0, 5));
  // No event tells us the server has read those bytes; give its event loop a moment.
  await delay(100);

  srv.proc.kill('SIGTERM');
  // Wait for the log line (bounded); the contract's fallback is ~300 ms.
  await srv.waitForStderr(/msg="shutting down"/, 3000).catch(() => delay(300));

  const refusal = await waitNewConnectionsRejected(srv.port, 3000);
  t.diagnostic(`new connection after SIGTERM: ${refusal}`);
  assert.equal(srv.hasExited(), false, 'the server should not exit while a request is in flight');

  await conn.write(body.slice(5));
  const res = await conn.readResponse({ timeoutMs: 10_000 }).catch((err) => {
    throw new Error(`the in-flight Health/Check should still be answered after SIGTERM, but: ${err.message}; stderr:\n${srv.stderrText()}`);
  });
  assert.equal(res.status, 200, `the in-flight Health/Check should complete with 200 after SIGTERM; got ${res.status} ${res.text}`);
  // The request is answered in full, and it reports the truth: the server is draining, so it is
  // no longer SERVING (load balancers stop sending it traffic).
  assert.deepEqual(JSON.parse(res.text), { status: 'NOT_SERVING' }, 'the in-flight Health/Check should be answered, reporting NOT_SERVING while the server drains');
  assert.match(res.headers['connection'] ?? '', /close/i, 'the last response of a draining server should say Connection: close');

  let timer;
  const exit = await Promise.race([
    srv.exited,
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), 10_000); }),
  ]);
  clearTimeout(timer);
  assert.ok(exit !== null, `the server should exit within 10 s of answering the last request; stderr:\n${srv.stderrText()}`);
  assert.equal(exit.code, 0, `the server should exit with code 0 after a graceful shutdown; got code=${exit.code} signal=${exit.signal}`);
});

test('SIGTERM with only idle keep-alive connections exits 0 promptly', T, async (t) => {
  // A 20 s graceful timeout: idle connections must be closed, not waited on until it expires.
  const srv = await startServer(['-server.graceful-shutdown-timeout=20s']);
  t.after(() => srv.stop('SIGKILL'));
  const conn = await RawConn.connect(srv.port);
  t.after(() => conn.destroy());
  await conn.write(requestHead('GET', '/ready', { Connection: 'keep-alive' }));
  assert.equal((await conn.readResponse()).status, 200, 'GET /ready on the keep-alive connection should return 200');

  const started = Date.now();
  const code = await srv.stop('SIGTERM', 10_000);
  const elapsed = Date.now() - started;
  assert.equal(code, 0, `SIGTERM should make the server exit 0 within 10 s (idle keep-alive connection open); got ${code} after ${elapsed} ms`);
  t.diagnostic(`exited ${elapsed} ms after SIGTERM`);
});
