// Compaction against the real binary: blocks cut from heads are merged in the background into
// one block of the next level; queries answer the same before, during and after, the source
// blocks leave the data directory, and a restart finds the merged block alone.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

import { httpRequest } from './lib/http.mjs';
import { getIngested, ingest, totalsMatching } from './lib/ingest.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

// Minute-long windows, and heads cut within a minute, so that data from ten minutes ago (inside
// the ingestion window) is settled.
const FLAGS = ['-compactor.compaction-interval=1s', '-compactor.block-ranges=1m,4m',
  '-ingester.max-block-duration=1m', '-storage.min-free-disk-mb=0'];
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function blockDirs(dataDir) {
  const entries = await fs.readdir(path.join(dataDir, 'anonymous'));
  return entries.filter((e) => ULID_RE.test(e)).sort();
}

async function render(baseUrl, from, until) {
  const q = encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="compacted"}');
  const res = await httpRequest(baseUrl, `/pyroscope/render?query=${q}&from=${from}&until=${until}&format=json`);
  assert.equal(res.status, 200, res.text);
  const fb = JSON.parse(res.text).flamebearer;
  return { names: fb.names, levels: fb.levels, numTicks: fb.numTicks };
}

/** Polls until fn() is truthy or timeoutMs passes; returns the last value. */
async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(100);
  }
}

test('blocks of one window are merged into one, queries unchanged, sources gone, restart agrees',
  { timeout: 120_000 }, async (t) => {
    const dataDir = await makeTempDir('flamedb-compaction-');
    t.after(() => removeTempDir(dataDir));
    const srv = await startServer(FLAGS, { dataDir });
    // One aligned minute, ten minutes ago.
    const from = (Math.floor(Date.now() / 60_000) - 10) * 60;
    for (let i = 0; i < 3; i++) {
      const body = `main;serve;handler${i} ${10 + i}\nmain;gc ${i + 1}\nmain;serve;shared 5\n`;
      const res = await ingest(srv.baseUrl, { name: `compacted.cpu{pod=p${i % 2}}`, from: from + i * 10, until: from + i * 10 + 5 }, body);
      assert.equal(res.status, 200, res.text);
      const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
      assert.equal(flush.status, 204, flush.text);
    }
    const range = [from - 60, from + 120];
    const before = await render(srv.baseUrl, ...range);
    const ingestedBefore = totalsMatching(await getIngested(srv.baseUrl), { service_name: 'compacted' });
    assert.ok(before.numTicks > 0, 'the profiles should be queryable before compaction');

    await waitFor(async () => {
      const m = (await httpRequest(srv.baseUrl, '/metrics')).text;
      return sampleValue(m, 'flamedb_compactor_blocks_made_total') >= 1;
    }, 30_000, 'a compaction');
    await waitFor(async () => (await blockDirs(dataDir)).length === 1, 30_000, 'the sources to be deleted');

    assert.deepEqual(await render(srv.baseUrl, ...range), before, 'the flame graph should be unchanged');
    assert.deepEqual(totalsMatching(await getIngested(srv.baseUrl), { service_name: 'compacted' }), ingestedBefore);
    const [id] = await blockDirs(dataDir);
    const meta = JSON.parse(await fs.readFile(path.join(dataDir, 'anonymous', id, 'meta.json'), 'utf8'));
    assert.equal(meta.compaction.level, 2, `meta.json: ${JSON.stringify(meta)}`);
    assert.match(srv.stderrText(), /msg="blocks compacted".*sources=3/);
    assert.equal(await srv.stop(), 0);

    const again = await startServer(FLAGS, { dataDir });
    t.after(() => again.stop());
    assert.deepEqual(await render(again.baseUrl, ...range), before, 'a restart should see the same');
    assert.deepEqual(await blockDirs(dataDir), [id]);
  });
