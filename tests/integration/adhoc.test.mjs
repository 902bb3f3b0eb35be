// adhocprofiles.v1.AdHocProfileService against the real binary: a real Go CPU profile
// (profilegen) uploaded over Connect in proto and JSON, its flame graph's total against
// google/pprof's, listing, reopening by id after a restart, tenant isolation, the diff of two
// uploads, and files that are not profiles refused with what is wrong with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { pprofTotals, runGoTool } from './lib/gotools.mjs';
import { connectUnary } from './lib/http.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const PROTO = 'adhocprofiles/v1/adhocprofiles.proto';
const SERVICE = '/adhocprofiles.v1.AdHocProfileService';
const ARGS = ['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0'];
const T = { timeout: 60_000 };
const as = (tenant) => ({ headers: { 'X-Scope-OrgID': tenant } });

describe('AdHocProfileService', () => {
  let srv;
  let pb;
  let genDir;
  let dataDir;
  let cpu;        // The profile's bytes (gzip).
  let cpuTotals;  // google/pprof's totals per sample type.
  const clients = {};

  const start = async () => {
    srv = await startServer(ARGS, { dataDir });
    for (const [codec, binary] of [['proto', true], ['json', false]]) {
      const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary });
      clients[codec] = createClient(pb[PROTO].AdHocProfileService, transport);
    }
  };
  const byHand = (method, body, tenant = 'team-a') =>
    connectUnary(srv.baseUrl, `${SERVICE}/${method}`, JSON.stringify(body), as(tenant));
  const flame = (res) => JSON.parse(res.flamebearerProfile);

  before(async () => {
    [genDir, dataDir] = await Promise.all([makeTempDir('flamedb-adhoc-gen-'), makeTempDir('flamedb-adhoc-data-')]);
    const gen = await runGoTool('profilegen', ['-out', genDir, '-seconds', '1'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, `profilegen failed: ${gen.stderr}`);
    const file = path.join(genDir, 'cpu.pb.gz');
    cpu = readFileSync(file);
    [cpuTotals] = await pprofTotals([file]);
    pb = await loadProtos([PROTO]);
    await start();
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(genDir);
    removeTempDir(dataDir);
  });

  test('an upload answers the flame graph of the file\'s last sample type with google/pprof\'s total, in proto and JSON', T, async () => {
    for (const codec of ['proto', 'json']) {
      const up = await clients[codec].upload({ name: `cpu ${codec}.pb.gz`, profile: cpu.toString('base64') }, as('team-a'));
      assert.match(up.id, /^[0-9A-Z]{26}-cpu_/);
      assert.equal(up.name, `cpu_${codec}.pb.gz`);
      assert.deepEqual(up.profileTypes, ['samples', 'cpu']);
      assert.equal(up.profileType, 'cpu');
      const fb = flame(up);
      assert.equal(fb.metadata.format, 'single');
      assert.equal(BigInt(fb.flamebearer.numTicks), BigInt(cpuTotals.totals[1]), `${codec}: cpu total`);
      const samples = await clients[codec].get({ id: up.id, profileType: 'samples' }, as('team-a'));
      assert.equal(BigInt(flame(samples).flamebearer.numTicks), BigInt(cpuTotals.totals[0]), `${codec}: samples total`);
      const small = await clients[codec].get({ id: up.id, maxNodes: 3n }, as('team-a'));
      assert.ok(flame(small).flamebearer.names.includes('other'), 'max_nodes truncates');
    }
  });

  test('uploads are listed newest first, per tenant, and reopen by id after a restart', T, async () => {
    const folded = `main;${'f'.repeat(10_000)} 5\nmain;work 7\n`;  // A first line far past 4 KiB.
    const up = await clients.json.upload({ name: 'long.folded', profile: Buffer.from(folded).toString('base64') }, as('team-a'));
    assert.equal(BigInt(flame(up).flamebearer.numTicks), 12n);
    const listed = (await clients.proto.list({}, as('team-a'))).profiles;
    assert.equal(listed[0].id, up.id, 'newest first');
    assert.ok(listed.length >= 3, `${listed.length} listed`);
    assert.equal((await clients.proto.list({}, as('team-b'))).profiles.length, 0, 'another tenant sees none');
    const other = await byHand('Get', { id: up.id }, 'team-b');
    assert.equal(other.status, 404, other.text);

    await srv.stop();
    await start();
    const again = await clients.proto.get({ id: up.id }, as('team-a'));
    assert.equal(BigInt(flame(again).flamebearer.numTicks), 12n);
    assert.equal(again.uploadedAt, up.uploadedAt);
  });

  test('Diff of two uploads is a flamebearer "double" with each side\'s total', T, async () => {
    const a = await clients.proto.upload({ name: 'a', profile: Buffer.from('main;work 5\nmain;idle 1\n').toString('base64') }, as('team-d'));
    const b = await clients.proto.upload({ name: 'b', profile: gzipSync('main;work 2\nmain;new 4\n').toString('base64') }, as('team-d'));
    const diff = await clients.json.diff({ leftId: a.id, rightId: b.id }, as('team-d'));
    const fb = flame(diff);
    assert.equal(fb.metadata.format, 'double');
    assert.equal(fb.leftTicks, 6);
    assert.equal(fb.rightTicks, 6);
    assert.deepEqual(diff.profileTypes, ['samples']);
  });

  test('files that are not profiles are 400s that say what is wrong, and nothing is stored', T, async () => {
    const cases = [
      [Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]), /not gzip/],
      [Buffer.from('main;work 5\nno count here\n'), /looks like folded text but is not.*line 2/],
      [Buffer.from([0x08, 0x96, 0x01, 0xff, 0xff, 0x00]), /not a pprof profile/],
    ];
    for (const [bytes, message] of cases) {
      const res = await byHand('Upload', { name: 'bad', profile: bytes.toString('base64') }, 'team-bad');
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json().code, 'invalid_argument');
      assert.match(res.json().message, message);
    }
    const res = await byHand('Get', { id: '../team-a/adhoc/x' }, 'team-bad');
    assert.equal(res.status, 400, res.text);
    assert.equal((await clients.json.list({}, as('team-bad'))).profiles.length, 0);
  });
});
