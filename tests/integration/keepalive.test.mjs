// 2,000 idle keep-alive connections: each has completed one real HTTP/1.1 request and stays
// open; meanwhile a fresh request must still be answered promptly and /metrics must work.
// Needs ~2,100 file descriptors in this process and in the server (CTest runs with ulimit -n 65536).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { describe as describeRes, httpRequest, RawConn, requestHead } from './lib/http.mjs';
import { parseFamilies } from './lib/metrics.mjs';
import { startServer } from './lib/server.mjs';

const N = 2000;
const BATCH = 100; // connections opened at once, to stay well inside the listen backlog

function softFdLimit() {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

test(`${N} idle keep-alive connections do not stop the server from serving`, { timeout: 60_000 }, async (t) => {
  const limit = softFdLimit();
  assert.ok(limit >= N + 200, `this test needs ulimit -n >= ${N + 200} (CTest sets 65536); the soft limit is ${limit}`);

  const srv = await startServer();
  t.after(() => srv.stop());
  const conns = [];
  t.after(() => { for (const c of conns) c.destroy(); });

  const openStarted = Date.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, async (_, k) => {
      const conn = await RawConn.connect(srv.port, { timeoutMs: 10_000 });
      conns.push(conn);
      await conn.write(requestHead('GET', '/ready', { Connection: 'keep-alive' }));
      const res = await conn.readResponse({ timeoutMs: 10_000 });
      assert.equal(res.status, 200, `GET /ready on connection #${i + k} should return 200; got ${res.status}`);
      return conn;
    }));
    assert.equal(batch.length, Math.min(BATCH, N - i));
  }
  t.diagnostic(`opened ${N} keep-alive connections in ${Date.now() - openStarted} ms`);
  assert.equal(conns.filter((c) => c.closed).length, 0, 'the server should keep every keep-alive connection open');

  const started = process.hrtime.bigint();
  const ready = await httpRequest(srv.baseUrl, '/ready', { timeoutMs: 2000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`fresh GET /ready with ${N} idle connections open took ${ms.toFixed(1)} ms`);
  assert.equal(ready.status, 200, `a fresh GET /ready should return 200 while ${N} connections idle; got ${describeRes(ready)}`);

  const metrics = await httpRequest(srv.baseUrl, '/metrics', { timeoutMs: 5000 });
  assert.equal(metrics.status, 200, `GET /metrics should return 200 while ${N} connections idle; got ${describeRes(metrics)}`);
  assert.ok(parseFamilies(metrics.text).has('process_open_fds'), '/metrics should still list process_open_fds');

  // The idle connections are still real, usable keep-alive connections.
  for (const i of [0, Math.floor(N / 2), N - 1]) {
    await conns[i].write(requestHead('GET', '/ready', {}));
    const res = await conns[i].readResponse({ timeoutMs: 5000 });
    assert.equal(res.status, 200, `a second GET /ready on idle connection #${i} should return 200; got ${res.status}`);
  }

  for (const c of conns) c.destroy();
  conns.length = 0;
});
