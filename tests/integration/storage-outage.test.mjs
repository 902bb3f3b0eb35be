// The bucket goes away under load (docs/storage.md, "When the bucket is unreachable"): Swift's
// S3 proxy is frozen (SIGSTOP: connections hang, as a dead network does) for a minute while
// several clients push. No push may fail because of it; the upload lag metric must rise and
// come back to zero once Swift is back. Then a SIGKILL while uploads wait, and a restart. At the
// end a fresh server with an empty local directory reads the bucket alone: every acknowledged
// profile must be there exactly once.
//
// A long suite: it runs in the release build only (the sanitizer builds set FLAMEDB_SANITIZE).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { getIngested, ingest } from './lib/ingest.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { startSwift } from './lib/objectstores.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const OUTAGE_MS = Number(process.env.FLAMEDB_OUTAGE_SECONDS ?? 60) * 1000;
const CLIENTS = 4;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values) => values.reduce((a, v) => a + v, 0n);
const skip = process.env.FLAMEDB_SANITIZE ? 'a long suite: it runs in the release build' : false;

describe('S3 outage under load', { skip }, () => {
  let dir;
  let cpu;  // { bytes, total }
  let swift;

  before(async () => {
    dir = await makeTempDir('flamedb-outage-');
    const gen = await runGoTool('profilegen', ['-out', dir, '-seconds', '1'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen: ${gen.stderr}`);
    const file = path.join(dir, 'cpu.pb.gz');
    cpu = { bytes: await fs.readFile(file), total: sum((await pprofTotals([file]))[0].totals) };
    swift = await startSwift();
  });
  after(async () => {
    await swift?.resume().catch(() => {});
    await swift?.stop();
    removeTempDir(dir);
  });

  const flagsFor = (data) => [...swift.flags, `-pyroscopedb.data-path=${data}`, '-storage.min-free-disk-mb=0',
    '-storage.http.request-timeout=1s', '-storage.http.connect-timeout=1s', '-storage.http.max-retries=1',
    '-ingester.max-global-series-per-tenant=0', '-distributor.ingestion-rate-limit-mb=10000'];
  const metric = async (srv, name) => sampleValue((await httpRequest(srv.baseUrl, '/metrics')).text, name);

  /** Pushes from CLIENTS loops and flushes now and then until stop(); returns the tallies. */
  function load(srv, tag, acked, refused) {
    let stopped = false;
    const client = async (c) => {
      for (let n = 0; !stopped; n++) {
        const id = `${tag}-${c}-${n}`;
        let res;
        try {
          res = await ingest(srv.baseUrl, { name: `outage{push_id=${id}}`, format: 'pprof' }, cpu.bytes, { timeoutMs: 10_000 });
        } catch (err) {
          if (!stopped) refused.push(`push ${id}: ${err.message}`);
          return;
        }
        if (res.status === 200) acked.add(id);
        else refused.push(`push ${id}: ${res.status} ${res.text}`);
        await sleep(20);
      }
    };
    const flusher = async () => {
      while (!stopped) {
        await sleep(1000);
        // During the outage this fails (the upload part of it): the cut itself is done.
        await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 }).catch(() => {});
      }
    };
    const work = Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), flusher()]);
    return async () => { stopped = true; await work; };
  }

  async function waitForUploads(srv) {
    for (let i = 0; i < 120; i++) {
      await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 });
      if (await metric(srv, 'flamedb_ingester_uploads_pending') === 0) return;
      await sleep(500);
    }
    assert.fail('uploads did not catch up within a minute of the bucket coming back');
  }

  test(`${OUTAGE_MS / 1000} s without the bucket, then a SIGKILL with uploads waiting: every acknowledged profile in the bucket exactly once`,
    { timeout: OUTAGE_MS + 300_000 }, async () => {
      const data = await makeTempDir('flamedb-outage-data-');
      const acked = new Set();
      const refused = [];
      let srv = await startServer(flagsFor(data), { dataDir: data });

      let stop = load(srv, 'a', acked, refused);
      await sleep(3000);
      await swift.pause();
      let maxLag = 0;
      for (const end = Date.now() + OUTAGE_MS; Date.now() < end;) {
        await sleep(2000);
        maxLag = Math.max(maxLag, await metric(srv, 'flamedb_ingester_upload_lag_seconds'));
      }
      await swift.resume();
      await sleep(3000);
      await stop();
      assert.deepEqual(refused, [], 'no push may fail because the bucket is away');
      assert.ok(maxLag >= OUTAGE_MS / 2000, `the upload lag should show the outage (max ${maxLag} s)`);
      await waitForUploads(srv);
      assert.equal(await metric(srv, 'flamedb_ingester_upload_lag_seconds'), 0);
      assert.ok(await metric(srv, 'flamedb_ingester_upload_failures_total') > 0);

      // Uploads waiting (the bucket away again) when the process dies.
      await swift.pause();
      stop = load(srv, 'b', acked, refused);
      await sleep(4000);
      await stop();
      assert.ok(await metric(srv, 'flamedb_ingester_uploads_pending') > 0, 'blocks should wait for upload');
      srv.proc.kill('SIGKILL');
      await srv.exited;
      await swift.resume();
      srv = await startServer(flagsFor(data), { dataDir: data });
      await waitForUploads(srv);
      const code = await srv.stop();
      assert.equal(code, 0);
      assert.deepEqual(refused, []);

      // A new server with nothing local reads the bucket alone.
      const fresh = await makeTempDir('flamedb-outage-fresh-');
      srv = await startServer(flagsFor(fresh), { dataDir: fresh });
      try {
        const stored = new Map();
        for (const s of (await getIngested(srv.baseUrl)).series) {
          if (s.labels.push_id !== undefined) stored.set(s.labels.push_id, s);
        }
        for (const id of acked) {
          const got = stored.get(id);
          assert.ok(got, `acknowledged push ${id} is not in the bucket`);
          assert.equal(got.profiles, 1, `push ${id} is stored ${got.profiles} times`);
          assert.equal(sum(Object.values(got.totals)), cpu.total, `push ${id}: wrong total`);
        }
        assert.equal(stored.size, acked.size, 'nothing but what was acknowledged');
        assert.ok(acked.size > 100, `too few pushes to mean anything (${acked.size})`);
      } finally {
        await srv.stop();
        removeTempDir(fresh);
        removeTempDir(data);
      }
    });
});
