// flamectl against the real binary and the bucket directory it wrote: `ready` against a
// healthy and a stopped server, `blocks list` and `blocks inspect` reading the blocks without
// a server (and naming damage), `--help` on every command, and usage errors with exit code 2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { runGoTool } from './lib/gotools.mjs';
import { httpRequest } from './lib/http.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const FLAMECTL = process.env.FLAMECTL_BIN
  ?? path.join(path.dirname(process.env.FLAMEDB_BIN ?? 'build/bin/flamedb'), 'flamectl');
const T = { timeout: 60_000 };

/** Runs flamectl; resolves { code, stdout, stderr }. */
function flamectl(args) {
  return new Promise((resolve) => {
    execFile(FLAMECTL, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('flamectl', () => {
  let srv;
  let dataDir;
  let genDir;

  before(async () => {
    [dataDir, genDir] = await Promise.all([makeTempDir('flamedb-ctl-data-'), makeTempDir('flamedb-ctl-gen-')]);
    const gen = await runGoTool('profilegen', ['-out', genDir, '-seconds', '1'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, gen.stderr);
    srv = await startServer(['-storage.min-free-disk-mb=0'], { dataDir });
    const push = await runGoTool('sdkpush', ['-url', srv.baseUrl, '-file', path.join(genDir, 'cpu.pb.gz'), '-kind', 'cpu', '-app', 'ctlapp']);
    assert.equal(push.code, 0, push.stdout + push.stderr);
    const flush = await httpRequest(srv.baseUrl, '/ingester/flush', { method: 'POST' });
    assert.equal(flush.status, 204, flush.text);
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(dataDir);
    removeTempDir(genDir);
  });

  test('ready: exit 0 against a ready server', T, async () => {
    const r = await flamectl(['ready', '--url', srv.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ready');
  });

  test('blocks list: the block the server cut, as a table and as JSON', T, async () => {
    const json = await flamectl(['blocks', 'list', '--dir', dataDir, '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const blocks = JSON.parse(json.stdout);
    assert.equal(blocks.length, 1, json.stdout);
    const [b] = blocks;
    assert.equal(b.tenant, 'anonymous');
    assert.deepEqual(b.services, ['ctlapp']);
    assert.equal(b.stats.numProfiles, 2, 'one row per sample type of the CPU profile');
    assert.ok(b.stats.numSamples > 0 && b.stats.numSeries === 2, json.stdout);
    assert.equal(b.compaction.level, 1);
    const table = await flamectl(['blocks', 'list', '--dir', dataDir]);
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n');
    assert.match(header, /^TENANT\s+BLOCK\s+MIN TIME\s+MAX TIME\s+LEVEL\s+SERIES\s+PROFILES\s+SAMPLES\s+BYTES\s+SERVICES$/);
    assert.match(row, new RegExp(`^anonymous\\s+${b.ulid}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+\\S+\\s+1\\s+2\\s+2\\s+${b.stats.numSamples}\\s+${b.files[0].sizeBytes}\\s+ctlapp$`));
    const none = await flamectl(['blocks', 'list', '--dir', dataDir, '--tenant-id', 'nobody', '--output', 'json']);
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  test('blocks inspect: every section checked, partitions listed; damage is named', T, async () => {
    const [b] = JSON.parse((await flamectl(['blocks', 'list', '--dir', dataDir, '--output', 'json'])).stdout);
    const text = await flamectl(['blocks', 'inspect', '--dir', dataDir, b.ulid]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /checksums\s+verified/);
    assert.match(text.stdout, /^0\s+ctlapp\s+\d+\s+\d+$/m);
    const json = await flamectl(['blocks', 'inspect', '--dir', dataDir, '--tenant-id', 'anonymous', '--output', 'json', b.ulid]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.verified, true);
    assert.equal(doc.meta.ulid, b.ulid);
    assert.equal(doc.partitions[0].service, 'ctlapp');
    const missing = await flamectl(['blocks', 'inspect', '--dir', dataDir, '01ARYZ6S41TSV4RRFFQ69G5FAV']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^flamectl: no block 01ARYZ6S41TSV4RRFFQ69G5FAV\n$/);

    await srv.stop();  // The server must not be writing while the block is damaged.
    const file = path.join(dataDir, 'anonymous', b.ulid, 'block.bin');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);
    const damaged = await flamectl(['blocks', 'inspect', '--dir', dataDir, b.ulid]);
    assert.equal(damaged.code, 1, damaged.stdout);
    assert.match(damaged.stderr, /^flamectl: block: .*(checksum|damaged|decode)/);
  });

  test('ready: exit 1 naming the problem when the server is gone', T, async () => {
    await srv.stop();
    const r = await flamectl(['ready', '--url', srv.baseUrl, '--timeout', '2s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^flamectl: cannot connect to http:\/\/127\.0\.0\.1:\d+/);
  });

  test('--help on every command; usage errors exit 2 with one line', T, async () => {
    for (const args of [['--help'], ['ready', '--help'], ['blocks', '--help']]) {
      const r = await flamectl(args);
      assert.equal(r.code, 0, `${args}: ${r.stderr}`);
      assert.match(r.stdout, /flamectl/);
    }
    assert.match((await flamectl(['blocks', '--help'])).stdout, /Examples:/);
    for (const [args, message] of [
      [['nope'], /unknown command "nope"/],
      [['ready', '--bogus'], /unknown flag --bogus/],
      [['ready', '--url', 'ftp://x'], /want http:\/\//],
      [['blocks', 'list'], /blocks needs --dir, --storage\.\* flags or --config\.file/],
      [['blocks', 'list', '--dir', dataDir, '--output', 'xml'], /--output must be table or json/],
      [['blocks', 'inspect', '--dir', dataDir], /blocks inspect needs one block id/],
      [[], /Usage:/],
    ]) {
      const r = await flamectl(args);
      assert.equal(r.code, 2, `${args}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, message, `${args}`);
    }
  });
});
