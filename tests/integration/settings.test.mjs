// settings.v1.SettingsService against the real binary: the Connect client generated from our
// protos in proto and JSON, tenant isolation, Pyroscope's stale-write (409 already_exists) and
// missing-setting (400 invalid_argument) errors on the wire, and settings that outlive a
// restart on the same data directory.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { connectUnary, describe as describeRes } from './lib/http.mjs';
import { loadProtos } from './lib/proto.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const SETTINGS_PROTO = 'settings/v1/setting.proto';
const SERVICE = '/settings.v1.SettingsService';
const ARGS = ['-auth.multitenancy-enabled'];
const T = { timeout: 60_000 };

const as = (tenant) => ({ headers: { 'X-Scope-OrgID': tenant } });
const plain = (s) => ({ name: s.name, value: s.value, modifiedAt: s.modifiedAt });

describe('SettingsService', () => {
  let srv;
  let pb;
  let dataDir;
  const clients = {};  // codec -> client

  const connect = () => {
    for (const [codec, binary] of [['proto', true], ['json', false]]) {
      const transport = createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1', useBinaryFormat: binary });
      clients[codec] = createClient(pb[SETTINGS_PROTO].SettingsService, transport);
    }
  };
  /** A Connect call by hand, as JSON, so the test sees the HTTP status and the error body. */
  const byHand = (method, body, tenant = 'team-a') =>
    connectUnary(srv.baseUrl, `${SERVICE}/${method}`, JSON.stringify(body), as(tenant));
  const assertError = (res, status, code, message) => {
    assert.equal(res.status, status, describeRes(res));
    const err = res.json();
    assert.equal(err.code, code, res.text);
    assert.match(err.message, message);
  };

  before(async () => {
    dataDir = await makeTempDir('flamedb-settings-');
    [srv, pb] = await Promise.all([startServer(ARGS, { dataDir }), loadProtos([SETTINGS_PROTO])]);
    connect();
  });
  after(async () => {
    await srv?.stop();
  });

  for (const codec of ['proto', 'json']) {
    test(`${codec}: Set returns the setting as stored and Get lists settings sorted by name`, T, async () => {
      const client = clients[codec];
      const tenant = `${codec}-tenant`;
      const value = JSON.stringify({ enableFlameGraphDotComExport: true, note: 'quotes " and \\ and é' });
      const set = await client.set({ setting: { name: 'pluginSettings', value, modifiedAt: 1000n } }, as(tenant));
      assert.deepEqual(plain(set.setting), { name: 'pluginSettings', value, modifiedAt: 1000n });
      await client.set({ setting: { name: 'alpha', value: 'a', modifiedAt: 2000n } }, as(tenant));
      const got = await client.get({}, as(tenant));
      assert.deepEqual(got.settings.map(plain), [
        { name: 'alpha', value: 'a', modifiedAt: 2000n },
        { name: 'pluginSettings', value, modifiedAt: 1000n },
      ]);
    });
  }

  test('a Set without modifiedAt is stamped with the server\'s current time', T, async () => {
    const t0 = BigInt(Date.now());
    const set = await clients.json.set({ setting: { name: 'stamped', value: 'v' } }, as('team-now'));
    const t1 = BigInt(Date.now());
    assert.ok(set.setting.modifiedAt >= t0 && set.setting.modifiedAt <= t1,
      `modifiedAt ${set.setting.modifiedAt} should be within [${t0}, ${t1}]`);
  });

  test('tenant B never sees nor deletes tenant A\'s settings', T, async () => {
    await clients.proto.set({ setting: { name: 'shared-name', value: 'for a', modifiedAt: 1n } }, as('team-a'));
    assert.deepEqual((await clients.proto.get({}, as('team-b'))).settings, []);
    await clients.proto.delete({ name: 'shared-name' }, as('team-b'));
    const a = await clients.proto.get({}, as('team-a'));
    assert.deepEqual(a.settings.map(plain).filter((s) => s.name === 'shared-name'),
      [{ name: 'shared-name', value: 'for a', modifiedAt: 1n }]);
    const anonymous = await connectUnary(srv.baseUrl, `${SERVICE}/Get`, '{}');
    assertError(anonymous, 401, 'unauthenticated', /no org id/);
  });

  test('a write older than the stored one is 409 already_exists naming the setting', T, async () => {
    await clients.json.set({ setting: { name: 'pluginSettings', value: 'newer', modifiedAt: 2000n } }, as('team-stale'));
    const res = await byHand('Set', { setting: { name: 'pluginSettings', value: 'older', modifiedAt: '1999' } }, 'team-stale');
    assertError(res, 409, 'already_exists', /failed to update pluginSettings: newer update already written/);
    await assert.rejects(
      clients.proto.set({ setting: { name: 'pluginSettings', value: 'older', modifiedAt: 1n } }, as('team-stale')),
      (err) => err instanceof ConnectError && err.code === Code.AlreadyExists);
    const same = await clients.proto.set({ setting: { name: 'pluginSettings', value: 'again', modifiedAt: 2000n } },
      as('team-stale'));
    assert.equal(same.setting.value, 'again', 'an equal modifiedAt is accepted');
    const got = await clients.proto.get({}, as('team-stale'));
    assert.deepEqual(got.settings.map(plain), [{ name: 'pluginSettings', value: 'again', modifiedAt: 2000n }]);
  });

  test('a missing setting or name is 400 invalid_argument', T, async () => {
    assertError(await byHand('Set', {}), 400, 'invalid_argument', /no setting values provided/);
    assertError(await byHand('Set', { setting: { value: 'v' } }), 400, 'invalid_argument', /name/);
    assertError(await byHand('Delete', {}), 400, 'invalid_argument', /name/);
    await assert.rejects(clients.proto.set({}, as('team-a')),
      (err) => err instanceof ConnectError && err.code === Code.InvalidArgument);
  });

  test('Delete removes a setting, and deleting a missing one is OK', T, async () => {
    const client = clients.json;
    await client.set({ setting: { name: 'keep', value: 'k', modifiedAt: 1n } }, as('team-del'));
    await client.set({ setting: { name: 'drop', value: 'd', modifiedAt: 1n } }, as('team-del'));
    await client.delete({ name: 'drop' }, as('team-del'));
    await client.delete({ name: 'never-set' }, as('team-del'));
    const got = await client.get({}, as('team-del'));
    assert.deepEqual(got.settings.map((s) => s.name), ['keep']);
    const res = await byHand('Delete', { name: 'drop' }, 'team-del');
    assert.equal(res.status, 200, describeRes(res));
    assert.equal(res.text, '{}');
  });

  test('settings survive a restart on the same data directory', T, async () => {
    const value = JSON.stringify({ theme: 'dark' });
    await clients.proto.set({ setting: { name: 'pluginSettings', value, modifiedAt: 5000n } }, as('team-r'));
    await clients.proto.set({ setting: { name: 'temporary', value: 't', modifiedAt: 5000n } }, as('team-r'));
    await clients.proto.delete({ name: 'temporary' }, as('team-r'));
    assert.ok(existsSync(path.join(dataDir, 'team-r', 'settings', 'settings.json')),
      'the settings object should be in the bucket (docs/api.md)');

    assert.equal(await srv.stop(), 0, 'graceful shutdown');
    srv = await startServer(ARGS, { dataDir });
    connect();

    const got = await clients.json.get({}, as('team-r'));
    assert.deepEqual(got.settings.map(plain), [{ name: 'pluginSettings', value, modifiedAt: 5000n }]);
    const stale = await byHand('Set', { setting: { name: 'pluginSettings', value: 'x', modifiedAt: '4999' } }, 'team-r');
    assert.equal(stale.status, 409, 'the stored modifiedAt is still enforced after the restart');
  });
});
