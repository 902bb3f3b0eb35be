// The local cluster of scripts/cluster (3-member etcd, S3, every component as its own process)
// for the cluster tests: start, kill -9 and restart one process, read /ring, stop. Every cluster
// started here is stopped if the test process exits without stopping it.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { httpRequest } from './http.mjs';
import { flamedbBin, repoRoot } from './paths.mjs';
import { makeTempDir } from './server.mjs';

const execFileAsync = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'cluster');
const swiftS3 = path.join(repoRoot, 'tests', 'servers', 'swift-s3');
const live = new Set();
process.on('exit', () => {
  for (const dir of live) {
    try { execFileSync(script, ['stop', dir], { stdio: 'ignore' }); } catch { /* best effort */ }
  }
});

/**
 * Starts a cluster. opts: ack ('wal' | 'bucket'), backend ('s3' | 'filesystem'), flags (more
 * flamedb flags for every process). Returns { dir, distributors: [url], frontend, etcd,
 * pid(name), url(name), kill(name), restart(name), pauseBucket(), resumeBucket(), ring(), stop() } where names are
 * '<target>-<n>' as in DIR/pids.
 */
export async function startCluster({ ack = 'wal', backend = 's3', flags = [] } = {}) {
  const dir = await makeTempDir('flamedb-cluster-');
  live.add(dir);
  const args = ['start', dir, '--ack', ack, '--backend', backend, '--', ...flags];
  let stdout;
  try {
    ({ stdout } = await execFileAsync(script, args, {
      env: { ...process.env, FLAMEDB_BIN: flamedbBin }, timeout: 120_000,
    }));
  } catch (err) {
    throw new Error(`scripts/cluster start failed: ${err.stderr || err.message}`);
  }
  const lines = stdout.trim().split('\n');
  const values = (key) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const port = (name) => readFileSync(path.join(dir, 'ports', name), 'utf8').trim();
  const pid = (name) => Number(readFileSync(path.join(dir, 'pids', `${name}.pid`), 'utf8').trim());
  const c = {
    dir,
    distributors: values('distributor'),
    frontend: values('query-frontend')[0],
    etcd: values('etcd')[0],
    pid,
    url: (name) => `http://127.0.0.1:${port(name)}`,
    kill: (name) => process.kill(pid(name), 'SIGKILL'),
    restart: (name) => {
      const [target, n] = [name.slice(0, name.lastIndexOf('-')), name.slice(name.lastIndexOf('-') + 1)];
      return execFileAsync(script, ['restart', dir, target, n], {
        env: { ...process.env, FLAMEDB_BIN: flamedbBin }, timeout: 60_000,
      });
    },
    ring: async (name = 'query-frontend-1') => JSON.parse((await httpRequest(c.url(name), '/ring')).text),
    // Freezes Swift's S3 proxy (SIGSTOP: connections hang, as with a dead network) and thaws it.
    pauseBucket: () => execFileAsync(swiftS3, ['pause', path.join(dir, 's3')]),
    resumeBucket: () => execFileAsync(swiftS3, ['resume', path.join(dir, 's3')]),
    log: (name) => readFileSync(path.join(dir, 'logs', `${name}.log`), 'utf8'),
    stop: async () => {
      if (!live.has(dir)) return;
      await execFileAsync(script, ['stop', dir], { timeout: 120_000 });
      live.delete(dir);
    },
  };
  return c;
}
