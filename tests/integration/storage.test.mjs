// The storage engine against the real binary: SIGKILL at random moments while clients push and
// heads are being cut into blocks (every acknowledged profile must be there exactly once after),
// SIGTERM (heads cut into blocks, exit 0, a restart replays nothing), and a nearly full volume
// (503 that says so, writes resume by themselves once space returns).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { httpRequest } from './lib/http.mjs';
import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { getIngested, ingest } from './lib/ingest.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const KILLS = 20;
const CLIENTS = 4;
// Series per push id are the point of the test; the default series limit would get in the way.
const FLAGS = ['-ingester.max-global-series-per-tenant=0', '-storage.min-free-disk-mb=0',
  '-distributor.ingestion-rate-limit-mb=10000'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values) => values.reduce((a, v) => a + v, 0n);

/** The total of every profile type per push_id, and how many profiles each type holds. */
function byPushId(ingested) {
  const out = new Map();
  for (const s of ingested.series) {
    const id = s.labels.push_id;
    if (id === undefined) continue;
    assert.ok(!out.has(id), `push ${id} appears in two series groups`);
    out.set(id, { profiles: s.profiles, total: sum(Object.values(s.totals)) });
  }
  return out;
}

describe('storage engine', () => {
  const files = {};  // kind -> { bytes, total }
  let genDir;

  before(async () => {
    genDir = await makeTempDir('flamedb-storage-gen-');
    const gen = await runGoTool('profilegen', ['-out', genDir, '-seconds', '1'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen failed: ${gen.stderr}`);
    for (const kind of ['cpu', 'heap']) {
      const file = path.join(genDir, `${kind}.pb.gz`);
      const [summary] = await pprofTotals([file]);
      files[kind] = { bytes: await fs.readFile(file), total: sum(summary.totals) };
      assert.ok(files[kind].total > 0n, `${kind}.pb.gz has an empty total`);
    }
  });
  after(() => removeTempDir(genDir));

  test(`${KILLS} SIGKILLs during pushes and cuts: every acknowledged profile exactly once`,
    // Generous for the sanitizer builds; the release build needs well under a minute.
    { timeout: 420_000 }, async () => {
      const dataDir = await makeTempDir('flamedb-crash-');
      const acked = new Map();  // push_id -> expected total
      const unknown = new Map();  // Sent, no answer (the kill came first): may or may not be stored.
      const refused = [];
      let flushes = 0;
      for (let cycle = 0; cycle < KILLS; cycle++) {
        const srv = await startServer(FLAGS, { dataDir });
        let stop = false;
        let flushed;
        const firstFlush = new Promise((resolve) => { flushed = resolve; });
        let ackedThisCycle = 0;
        let enoughAcked;
        const someAcked = new Promise((resolve) => { enoughAcked = resolve; });
        // Every other cycle starts its pushes only once a first cut has finished (or 30 s have
        // passed). Pushing through that cut lets the WAL grow by all the cut's duration, which
        // the next restart replays into a bigger head and a slower cut: on a slow (TSan) build
        // that feedback made each cycle slower than the last.
        const gate = cycle % 2 === 0 ? Promise.race([firstFlush, sleep(30_000)]) : Promise.resolve();
        const client = async (c) => {
          await gate;
          for (let n = 0; !stop; n++) {
            const kind = (n + c) % 2 === 0 ? 'cpu' : 'heap';
            const id = `${cycle}-${c}-${n}`;
            unknown.set(id, files[kind].total);
            let res;
            try {
              res = await ingest(srv.baseUrl, { name: `crash{push_id=${id}}`, format: 'pprof' },
                files[kind].bytes, { timeoutMs: 5000 });
            } catch {
              return;  // The server is gone.
            }
            if (res.status !== 200) {
              refused.push(`push ${id}: ${res.status} ${res.text}`);
              return;
            }
            unknown.delete(id);
            acked.set(id, files[kind].total);
            if (++ackedThisCycle === 2 * CLIENTS) enoughAcked();
          }
        };
        const flusher = async () => {
          while (!stop) {
            await sleep(50 + Math.random() * 200);
            try {
              const res = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 30_000 });
              if (res.status === 204) {
                flushes++;
                flushed();
              }
            } catch { return; }  // The server is gone (often in the middle of a cut).
          }
        };
        const work = [...Array.from({ length: CLIENTS }, (_, c) => client(c)), flusher()];
        // Once every client had pushes acknowledged (however slow the build), the kill comes at a
        // random moment: during pushes, during a cut, or between the two.
        await gate;
        await Promise.race([someAcked, sleep(30_000)]);
        await sleep(Math.random() * 800);
        srv.proc.kill('SIGKILL');
        await srv.exited;
        stop = true;
        await Promise.all(work);
      }
      assert.deepEqual(refused, [], 'no push should be refused');
      assert.ok(flushes >= KILLS / 2, `cuts should have run during the test (only ${flushes})`);

      const srv = await startServer(FLAGS, { dataDir });
      try {
        const stored = byPushId(await getIngested(srv.baseUrl));
        for (const [id, total] of acked) {
          const got = stored.get(id);
          assert.ok(got, `acknowledged push ${id} is missing after ${KILLS} kills`);
          assert.equal(got.profiles, 1, `push ${id} is stored ${got.profiles} times`);
          assert.equal(got.total, total, `push ${id}: total ${got.total}, sent ${total}`);
        }
        for (const [id, got] of stored) {
          assert.ok(acked.has(id) || unknown.has(id), `push ${id} was never sent`);
          assert.equal(got.profiles, 1, `push ${id} is stored ${got.profiles} times`);
        }
        assert.ok(acked.size > KILLS * CLIENTS, `too few acknowledged pushes (${acked.size}) to mean anything`);
        const blocks = await fs.readdir(path.join(dataDir, 'anonymous'));
        assert.ok(blocks.length > 0, 'cuts should have written blocks');
        console.log(`# ${acked.size} acknowledged pushes, ${unknown.size} unanswered, ${flushes} cuts, ` +
          `${blocks.length} blocks: all acknowledged present exactly once`);
      } finally {
        await srv.stop();
        removeTempDir(dataDir);
      }
    });

  test('SIGTERM cuts the heads into blocks; a restart serves them without WAL replay', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('flamedb-term-');
    try {
      const first = await startServer(FLAGS, { dataDir });
      for (let i = 0; i < 10; i++) {
        const res = await ingest(first.baseUrl, { name: `term{push_id=t${i}}`, format: 'pprof' }, files.cpu.bytes);
        assert.equal(res.status, 200, res.text);
      }
      const before = await getIngested(first.baseUrl);
      assert.equal(await first.stop('SIGTERM'), 0, 'SIGTERM should exit 0');
      assert.match(first.stderrText(), /msg="block cut" tenant=anonymous/);
      assert.match(first.stderrText(), /msg="heads cut into blocks"/);
      const wal = (await fs.readdir(path.join(dataDir, 'wal'))).filter((f) => f.endsWith('.wal'));
      assert.deepEqual(wal, [], 'the WAL segments covered by the blocks should be gone');

      const second = await startServer(FLAGS, { dataDir });
      try {
        assert.match(second.stderrText(), /msg="wal replayed" .*records=0 /);
        assert.match(second.stderrText(), /msg="blocks loaded" blocks=1/);
        const after = await getIngested(second.baseUrl);
        assert.deepEqual(after.series, before.series);
        assert.equal(after.heads, 0);
        assert.equal(after.blocks, 1);
      } finally {
        await second.stop();
      }
    } finally {
      removeTempDir(dataDir);
    }
  });

  test('/ingester/shutdown cuts the heads, answers 204 and exits 0', { timeout: 60_000 }, async () => {
    const dataDir = await makeTempDir('flamedb-admin-');
    try {
      const first = await startServer(FLAGS, { dataDir });
      const res = await ingest(first.baseUrl, { name: 'admin{push_id=a1}', format: 'pprof' }, files.cpu.bytes);
      assert.equal(res.status, 200, res.text);
      const before = await getIngested(first.baseUrl);

      const shutdown = await httpRequest(first.baseUrl, '/ingester/shutdown', { method: 'POST' });

      assert.equal(shutdown.status, 204, shutdown.text);
      assert.equal((await first.exited).code, 0, 'the process should exit 0 after /ingester/shutdown');
      const second = await startServer(FLAGS, { dataDir });
      try {
        assert.match(second.stderrText(), /msg="wal replayed" .*records=0 /);
        assert.deepEqual((await getIngested(second.baseUrl)).series, before.series);
      } finally {
        await second.stop();
      }
    } finally {
      removeTempDir(dataDir);
    }
  });

  test('a nearly full volume refuses writes with 503 and resumes once space returns', { timeout: 60_000 }, async (t) => {
    const mnt = await makeTempDir('flamedb-small-volume-');
    try {
      await execFileAsync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
    } catch (err) {
      t.skip(`needs permission to mount a 64 MiB tmpfs (${err.message.split('\n')[0]})`);
      removeTempDir(mnt);
      return;
    }
    const dataDir = path.join(mnt, 'data');
    const filler = path.join(mnt, 'filler');
    const srv = await startServer([...FLAGS.filter((f) => !f.startsWith('-storage.min-free')),
      '-storage.min-free-disk-mb=32'], { dataDir });
    try {
      const push = (id) => ingest(srv.baseUrl, { name: `full{push_id=${id}}`, format: 'pprof' }, files.cpu.bytes);
      assert.equal((await push('before')).status, 200);

      await fs.writeFile(filler, Buffer.alloc(40 << 20));  // 64 MiB volume, < 32 MiB left.
      let res;
      for (let i = 0; i < 50; i++) {  // The guard looks at the volume at most once a second.
        res = await push(`during-${i}`);
        if (res.status !== 200) break;
        await sleep(100);
      }
      assert.equal(res.status, 503, `expected 503 while the volume is nearly full; got ${res.status} ${res.text}`);
      assert.match(res.text, /free on the volume of .*under the minimum of 32 MiB/);
      const metrics = await httpRequest(srv.baseUrl, '/metrics');
      assert.match(metrics.text, /^flamedb_disk_space_low 1$/m);

      await fs.rm(filler);
      for (let i = 0; i < 50; i++) {
        res = await push(`after-${i}`);
        if (res.status === 200) break;
        await sleep(100);
      }
      assert.equal(res.status, 200, `writes should resume once space returns; got ${res.status} ${res.text}`);
      const stored = byPushId(await getIngested(srv.baseUrl));
      assert.ok(stored.has('before'), 'what was stored before the volume filled up is still there');
    } finally {
      await srv.stop();
      await execFileAsync('umount', [mnt]).catch(() => {});
      removeTempDir(mnt);
    }
  });
});
