// The real binary on real object stores: Swift's S3 API (SigV4 checked) and Azurite (SharedKey
// checked). Real Go and Node profiles are pushed, cut into blocks and uploaded; the local data
// directory is then emptied but for the WAL, and a restart must answer every acknowledged
// total again, with `go tool pprof -top` of the merged profile equal to the one before.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { runGoTool } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { getIngested, ingest } from './lib/ingest.mjs';
import { repoRoot } from './lib/paths.mjs';
import { loadProtos } from './lib/proto.mjs';
import { startAzurite, startSwift } from './lib/objectstores.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const FLAMECTL = process.env.FLAMECTL_BIN
  ? path.resolve(process.env.FLAMECTL_BIN)
  : path.join(repoRoot, 'build', 'bin', 'flamectl');
const QUERIER_PROTO = 'querier/v1/querier.proto';
const PROFILE_PROTO = 'google/v1/profile.proto';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const T = { timeout: 240_000 };

/** `go tool pprof -top` rows of `file`, every function, sorted by name. */
async function pprofTop(file) {
  const { stdout } = await execFileAsync('go', ['tool', 'pprof', '-top', '-nodecount=100000', file],
    { maxBuffer: 64 << 20, env: { ...process.env, PPROF_TMPDIR: path.dirname(file) } });
  return stdout.split('\n').filter((l) => /^\s*-?[\d.]+\w*\s+[\d.]+%/.test(l))
    .map((l) => l.trim().split(/\s+/)).map((f) => `${f[0]} ${f[3]} ${f.slice(5).join(' ')}`).sort();
}

describe('remote buckets end to end', () => {
  let dir;
  let pb;
  const files = {};
  const now = Date.now();

  before(async () => {
    dir = await makeTempDir('flamedb-remote-');
    const [go] = await Promise.all([
      runGoTool('profilegen', ['-out', path.join(dir, 'go'), '-seconds', '1'], { timeoutMs: 60_000 }),
      execFileAsync(process.execPath, [path.join(repoRoot, 'tests/fixtures/node/profilegen.mjs'),
        path.join(dir, 'node'), '1'], { timeout: 60_000 }),
    ]);
    assert.equal(go.code, 0, `profilegen: ${go.stderr}`);
    for (const f of ['go/cpu.pb.gz', 'go/heap.pb.gz', 'node/wall.pb.gz', 'node/heap.pb.gz']) {
      files[f] = await fs.readFile(path.join(dir, f));
    }
    pb = await loadProtos([QUERIER_PROTO, PROFILE_PROTO]);
  });
  after(() => removeTempDir(dir));

  /** Pushes the Go profiles the Go SDK's way and the Node ones as the Node SDK sends them. */
  async function pushAll(baseUrl, run) {
    const until = BigInt(now - 60_000 + run * 1000) * 1_000_000n;
    const res = await runGoTool('sdkpush', ['-url', baseUrl, '-file', path.join(dir, 'go/cpu.pb.gz'),
      '-kind', 'cpu', '-app', 'goapp', '-tags', `run=r${run}`, '-until', String(until),
      '-from', String(until - 10_000_000_000n)]);
    assert.equal(res.code, 0, `sdkpush: ${res.stdout} ${res.stderr}`);
    for (const [file, name] of [['go/heap.pb.gz', 'goapp'], ['node/wall.pb.gz', 'nodeapp'], ['node/heap.pb.gz', 'nodeapp']]) {
      const r = await ingest(baseUrl, { name: `${name}{run=r${run}}`, format: 'pprof', spyName: name === 'nodeapp' ? 'nodespy' : 'gospy' }, files[file]);
      assert.equal(r.status, 200, `${file}: ${r.text}`);
    }
  }

  async function mergedCpuTop(baseUrl, name) {
    const transport = createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true });
    const client = createClient(pb[QUERIER_PROTO].QuerierService, transport);
    const profile = await client.selectMergeProfile({ profileTypeID: CPU, labelSelector: '{service_name="goapp"}',
      start: BigInt(now - 3600_000), end: BigInt(now + 60_000) });
    const file = path.join(dir, name);
    await fs.writeFile(file, toBinary(pb[PROFILE_PROTO].ProfileSchema, profile));
    return pprofTop(file);
  }

  for (const [kind, startStore] of [['s3', startSwift], ['azure', startAzurite]]) {
    test(`${kind}: blocks in the bucket and the WAL bring every acknowledged total back after the local data is gone`, T, async () => {
      const store = await startStore();
      const data = await makeTempDir(`flamedb-remote-${kind}-`);
      const flags = [...store.flags, `-pyroscopedb.data-path=${data}`, '-storage.min-free-disk-mb=0'];
      try {
        let srv = await startServer(flags, { dataDir: data });
        await pushAll(srv.baseUrl, 0);
        const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST', timeoutMs: 60_000 });
        assert.equal(flush.status, 204, flush.text);
        await pushAll(srv.baseUrl, 1);  // In the WAL only.
        const before = await getIngested(srv.baseUrl);
        const topBefore = await mergedCpuTop(srv.baseUrl, `${kind}-before.pb`);
        assert.ok(topBefore.length > 5, `a real CPU profile has many functions: ${topBefore.length}`);
        assert.equal(before.blocks, 1, 'one block, uploaded');
        // flamectl reads the same bucket with the same flags (GNU style: --storage.x=y).
        const { stdout } = await execFileAsync(FLAMECTL, ['blocks', 'list', '--output', 'json',
          ...store.flags.map((f) => `-${f}`)]);
        const listed = JSON.parse(stdout);
        assert.equal(listed.length, 1, stdout);
        assert.deepEqual(listed[0].services, ['goapp', 'nodeapp']);
        assert.ok(before.series.length >= 4, JSON.stringify(before.series.map((s) => s.labels)));
        srv.proc.kill('SIGKILL');
        await srv.exited;

        // Nothing local is left but the WAL: the block must come from the bucket.
        for (const entry of await fs.readdir(data)) {
          if (entry !== 'wal') await fs.rm(path.join(data, entry), { recursive: true, force: true });
        }
        srv = await startServer(flags, { dataDir: data });
        try {
          const after = await getIngested(srv.baseUrl);
          assert.deepEqual(after.series, before.series);
          assert.equal(after.blocks, 1);
          assert.deepEqual(await mergedCpuTop(srv.baseUrl, `${kind}-after.pb`), topBefore);
          const metrics = (await httpRequest(srv.baseUrl, '/metrics')).text;
          assert.match(metrics, /flamedb_objstore_cache_misses_total [1-9]/, 'blocks were read from the bucket');
        } finally {
          await srv.stop();
        }
      } finally {
        await store.stop();
        removeTempDir(data);
      }
    });
  }
});
