// Nothing acknowledged is lost when the process is killed: pushes are in the write-ahead log
// before the 200, and a restart on the same data directory replays them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { makeTempDir, startServer } from './lib/server.mjs';
import { getIngested, ingest, totalsMatching } from './lib/ingest.mjs';

test('acknowledged pushes survive kill -9 and a restart', { timeout: 60_000 }, async (t) => {
  const dataDir = await makeTempDir('flamedb-durable-');
  const first = await startServer([], { dataDir });
  const sent = [];
  for (let i = 1; i <= 20; i++) {
    const res = await ingest(first.baseUrl, { name: `durable${i % 3}.cpu{run=a}` }, `main;work ${i}\nmain;idle 1\n`);
    assert.equal(res.status, 200, `push ${i} should be acknowledged; got ${res.status} ${res.text}`);
    sent.push(i);
  }
  const before = await getIngested(first.baseUrl);
  first.proc.kill('SIGKILL');  // No graceful shutdown: no flush, nothing but what is on disk.
  await first.exited;

  const second = await startServer([], { dataDir });
  t.after(() => second.stop());
  const after = await getIngested(second.baseUrl);

  const id = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
  for (const app of ['durable0', 'durable1', 'durable2']) {
    assert.deepEqual(totalsMatching(after, { service_name: app }), totalsMatching(before, { service_name: app }),
      `${app}: totals after kill -9 and restart should equal those acknowledged before`);
  }
  const expected = BigInt(sent.reduce((a, i) => a + i + 1, 0)) * 10000000n;
  const total = ['durable0', 'durable1', 'durable2']
    .reduce((a, app) => a + (totalsMatching(after, { service_name: app })[id] ?? 0n), 0n);
  assert.equal(total, expected, 'every acknowledged count should be back');
  assert.match(second.stderrText(), /msg="wal replayed".*records=20/, 'the restart should replay all 20 pushes');
});
