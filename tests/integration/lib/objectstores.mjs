// Real object stores for end-to-end tests, through the launchers of tests/servers/ (the same
// ones the C++ contract test uses): Swift's S3 API (checks SigV4) and Azurite (checks
// SharedKey). Each is started on free loopback ports, stopped when the test process exits, and
// gives the flamedb flags that point at it.
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './paths.mjs';
import { makeTempDir } from './server.mjs';

const execFileAsync = promisify(execFile);
const serversDir = path.join(repoRoot, 'tests', 'servers');
const live = new Set();
process.on('exit', () => {
  for (const s of live) spawnSync(s.launcher, ['stop', s.dir]);
});

const portFree = (port) => new Promise((resolve) => {
  const srv = net.createServer();
  srv.once('error', () => resolve(false));
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});

/** The first of `count` consecutive free loopback ports. */
async function freePorts(count) {
  for (let tries = 0; tries < 200; tries++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error('no free port range');
}

async function start(name, ports) {
  const launcher = path.join(serversDir, name);
  const dir = await makeTempDir(`flamedb-${name}-`);
  const port = await freePorts(ports);
  const { stdout } = await execFileAsync(launcher, ['start', dir, String(port)], { timeout: 60_000 });
  const m = /endpoint=(\S+)/.exec(stdout);
  if (!m) throw new Error(`${name} did not start: ${stdout}`);
  const server = { launcher, dir, endpoint: m[1] };
  live.add(server);
  server.run = (cmd) => execFileAsync(launcher, [cmd, dir], { timeout: 30_000 });
  server.stop = async () => { live.delete(server); await server.run('stop'); };
  return server;
}

export const SWIFT = { access: 'test:tester', secret: 'testing' };
export const AZURITE = {
  account: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/**
 * Starts Swift with its S3 API and makes `bucket` with a signed PUT from curl (an independent
 * SigV4 client). Returns { endpoint, flags, pause(), resume(), stop() }.
 */
export async function startSwift(bucket = 'flamedb') {
  const s = await start('swift-s3', 5);
  // curl's -u splits at the first colon and the access key has one: a netrc file does not.
  const netrc = path.join(s.dir, 'netrc');
  writeFileSync(netrc, `machine 127.0.0.1 login ${SWIFT.access} password ${SWIFT.secret}\n`);
  let last = '';
  for (let i = 0; i < 40; i++) {
    const { stdout } = await execFileAsync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}',
      '--netrc-file', netrc, '--aws-sigv4', 'aws:amz:us-east-1:s3', '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
      '-X', 'PUT', `${s.endpoint}/${bucket}`]);
    last = stdout;
    if (stdout === '200') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (last !== '200') throw new Error(`cannot create bucket ${bucket}: HTTP ${last}`);
  s.flags = ['-storage.backend=s3', `-storage.s3.endpoint=${s.endpoint.replace('http://', '')}`,
    `-storage.s3.bucket-name=${bucket}`, '-storage.s3.insecure=true',
    `-storage.s3.access-key-id=${SWIFT.access}`, `-storage.s3.secret-access-key=${SWIFT.secret}`];
  s.pause = () => s.run('pause');
  s.resume = () => s.run('resume');
  return s;
}

/** Starts Azurite. Returns { endpoint, flags, stop() } (the container is made by flamedb). */
export async function startAzurite(container = 'flamedb') {
  const s = await start('azurite', 1);
  s.flags = ['-storage.backend=azure', `-storage.azure.endpoint=${s.endpoint}`,
    `-storage.azure.account-name=${AZURITE.account}`, `-storage.azure.account-key=${AZURITE.key}`,
    `-storage.azure.container-name=${container}`];
  return s;
}
