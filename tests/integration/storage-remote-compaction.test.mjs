// Compaction and retention on S3 under load: clients push while heads are cut every half second
// and the compactor merges the blocks (minute and four-minute levels) in the bucket, and
// retention (15 minutes) deletes blocks of profiles pushed 20 minutes in the past before the
// load. Every two seconds a query of everything stored checks that each acknowledged profile is
// counted exactly once, during the merges and the swaps of sources for merged blocks (the old
// ones at most once until retention takes them); at the end the old ones are gone and a server
// with an empty local directory reads the same from the bucket alone.
//
// A long suite: it runs in the release build only (the sanitizer builds set FLAMEDB_SANITIZE).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { httpRequest } from './lib/http.mjs';
import { getIngested, ingest } from './lib/ingest.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { startSwift } from './lib/objectstores.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

// 90 s by default: minute windows end and merge while the load runs; longer runs: the env var.
const RUN_MS = Number(process.env.FLAMEDB_REMOTE_COMPACTION_SECONDS ?? 90) * 1000;
const CLIENTS = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const skip = process.env.FLAMEDB_SANITIZE ? 'a long suite: it runs in the release build' : false;

describe('compaction on S3 under load', { skip }, () => {
  let swift;
  before(async () => { swift = await startSwift(); });
  after(async () => { await swift?.stop(); });

  const flagsFor = (data) => [...swift.flags, `-pyroscopedb.data-path=${data}`, '-storage.min-free-disk-mb=0',
    '-compactor.compaction-interval=1s', '-compactor.block-ranges=1m,4m', '-ingester.max-block-duration=1m',
    '-storage.retention-period=15m',
    '-ingester.max-global-series-per-tenant=0', '-distributor.ingestion-rate-limit-mb=10000'];

  /** push_id -> { profiles, total } of everything stored. */
  async function stored(baseUrl) {
    const out = new Map();
    for (const s of (await getIngested(baseUrl)).series) {
      const id = s.labels.push_id;
      if (id === undefined) continue;
      assert.ok(!out.has(id), `push ${id} appears in two series`);
      out.set(id, { profiles: s.profiles, total: Object.values(s.totals).reduce((a, v) => a + v, 0n) });
    }
    return out;
  }

  function check(got, acked, inFlight, when, old = new Set()) {
    for (const id of old) {
      const s = got.get(id);
      if (s) assert.equal(s.profiles, 1, `${when}: old push ${id} is counted ${s.profiles} times`);
    }
    for (const [id, total] of acked) {
      const s = got.get(id);
      assert.ok(s, `${when}: acknowledged push ${id} is missing`);
      assert.equal(s.profiles, 1, `${when}: push ${id} is counted ${s.profiles} times`);
      assert.equal(s.total, total, `${when}: push ${id} has total ${s.total}, sent ${total}`);
    }
    for (const [id, s] of got) {
      if (old.has(id)) continue;
      assert.ok(acked.has(id) || inFlight.has(id), `${when}: push ${id} was never sent`);
      assert.equal(s.profiles, 1, `${when}: push ${id} is counted ${s.profiles} times`);
    }
  }

  test(`${RUN_MS / 1000} s of pushes, cuts and merges: every acknowledged profile counted once, during and after`,
    { timeout: RUN_MS + 240_000 }, async (t) => {
      const data = await makeTempDir('flamedb-s3-compaction-');
      const srv = await startServer(flagsFor(data), { dataDir: data });
      t.after(() => srv.stop());  // Idempotent: a failed check must not leave the server running.
      const acked = new Map();  // push_id -> total
      const inFlight = new Map();
      const started = new Set();  // Every push_id a client began to send.
      const refused = [];
      // Profiles of 20 minutes ago, in blocks of their own: retention's to delete.
      const old = new Set();
      const past = Math.floor(Date.now() / 1000) - 20 * 60;
      for (let i = 0; i < 20; i++) {
        const res = await ingest(srv.baseUrl, { name: `merged.cpu{push_id=old-${i}}`, from: past + i, until: past + i + 1 },
          'main;old 3\n');
        assert.equal(res.status, 200, res.text);
        old.add(`old-${i}`);
        if (i % 5 === 4) {
          const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 });
          assert.equal(flush.status, 204, flush.text);
        }
      }
      let stopped = false;
      // Timestamps spread over minutes 10 to 3 ago: settled windows of both levels.
      const base = (Math.floor(Date.now() / 60_000) - 10) * 60;
      const client = async (c) => {
        for (let n = 0; !stopped; n++) {
          const id = `${c}-${n}`;
          const total = 10 + (n % 7);
          const from = base + ((n * 7 + c * 13) % 420);
          inFlight.set(id, BigInt(total) * 10_000_000n);
          started.add(id);
          const res = await ingest(srv.baseUrl, { name: `merged.cpu{push_id=${id}}`, from, until: from + 1 },
            `main;work;leaf${n % 5} ${total}\n`).catch((err) => ({ status: 0, text: err.message }));
          if (res.status === 200) acked.set(id, inFlight.get(id));
          else refused.push(`push ${id}: ${res.status} ${res.text}`);
          inFlight.delete(id);
          await sleep(10);
        }
      };
      const flusher = async () => {
        while (!stopped) {
          await sleep(500);
          const res = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 });
          assert.equal(res.status, 204, res.text);
        }
      };
      let checks = 0;
      let failure = null;  // The first failed check ends the run early; thrown once all stop.
      const checker = async () => {
        while (!stopped) {
          await sleep(2000);
          const ackedThen = new Map(acked);
          const got = await stored(srv.baseUrl);
          // Pushes sent while the query ran (even started after it began) may or may not be in
          // it: what it holds must have been sent by the time it answered.
          const sentByThen = new Map([...started].map((id) => [id, true]));
          try {
            check(got, ackedThen, sentByThen, `check ${++checks}`, old);
          } catch (err) {
            failure = err;
            stopped = true;
          }
        }
      };
      const work = Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), flusher(), checker()]);
      for (const end = Date.now() + RUN_MS; !stopped && Date.now() < end;) await sleep(500);
      stopped = true;
      await work;
      if (failure) throw failure;
      assert.deepEqual(refused, []);
      await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 });
      // Retention runs every minute: wait for its next round if the run was shorter.
      let atEnd = await stored(srv.baseUrl);
      for (let i = 0; i < 90 && [...old].some((id) => atEnd.has(id)); i++) {
        await sleep(1000);
        atEnd = await stored(srv.baseUrl);
      }
      check(atEnd, acked, new Map(), 'at the end');
      for (const id of old) assert.ok(!atEnd.has(id), `old push ${id} outlived retention`);
      const metrics = (await httpRequest(srv.baseUrl, '/metrics')).text;
      assert.ok(sampleValue(metrics, 'flamedb_blocks_retention_deleted_total') >= 1, 'retention deleted blocks');
      const merges = sampleValue(metrics, 'flamedb_compactor_blocks_made_total');
      assert.ok(merges >= 5, `several merges should have run (${merges})`);
      assert.equal(sampleValue(metrics, 'flamedb_compactor_failures_total'), 0);
      assert.ok(checks >= RUN_MS / 4000, `too few checks (${checks})`);
      assert.equal(await srv.stop(), 0);

      const fresh = await makeTempDir('flamedb-s3-compaction-fresh-');
      const again = await startServer(flagsFor(fresh), { dataDir: fresh });
      try {
        const fromBucket = await stored(again.baseUrl);
        check(fromBucket, acked, new Map(), 'from the bucket alone');
        for (const id of old) assert.ok(!fromBucket.has(id), `old push ${id} is still in the bucket`);
      } finally {
        await again.stop();
        removeTempDir(fresh);
        removeTempDir(data);
      }
    });
});
