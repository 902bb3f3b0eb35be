// Tenancy: X-Scope-OrgID is ignored by default; with -auth.multitenancy-enabled the
// tenant-scoped introspection route GET /api/v1/tenant requires a valid one, while /ready,
// /metrics, version and health stay open.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { connectUnary, describe as describeRes, httpRequest } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';
import { scalar } from './lib/yaml.mjs';

const T = { timeout: 30_000 };

function tenant(srv, orgId) {
  return httpRequest(srv.baseUrl, '/api/v1/tenant', { headers: orgId === undefined ? {} : { 'X-Scope-OrgID': orgId } });
}

function assertTenant(res, expected, what) {
  assert.equal(res.status, 200, `${what}: GET /api/v1/tenant should return 200; got ${describeRes(res)}`);
  assert.deepEqual(res.json(), { tenant: expected }, `${what}: expected {"tenant":"${expected}"}; got ${res.text}`);
}

function assertUnauthenticated(res, what) {
  assert.equal(res.status, 401, `${what}: expected 401; got ${describeRes(res)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${what}: the 401 should be JSON; got ${describeRes(res)}`);
  const body = res.json();
  assert.equal(body.code, 'unauthenticated', `${what}: code should be "unauthenticated"; got ${res.text}`);
  assert.equal(typeof body.message, 'string', `${what}: should carry a message; got ${res.text}`);
  return body.message;
}

describe('multitenancy disabled (default)', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.stop(); });

  test('GET /api/v1/tenant is "anonymous", with or without X-Scope-OrgID', T, async () => {
    assertTenant(await tenant(srv), 'anonymous', 'no header');
    assertTenant(await tenant(srv, 'tenant-1'), 'anonymous', 'X-Scope-OrgID: tenant-1 (ignored)');
    assertTenant(await tenant(srv, '..'), 'anonymous', 'X-Scope-OrgID: .. (ignored, not validated)');
  });
});

describe('multitenancy enabled', () => {
  let srv;
  before(async () => { srv = await startServer(['-auth.multitenancy-enabled']); });
  after(async () => { await srv?.stop(); });

  test('the effective config says multitenancy_enabled: true', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/api/v1/status/config');
    assert.equal(res.status, 200, `GET /api/v1/status/config should return 200 without a tenant; got ${describeRes(res)}`);
    assert.equal(scalar(res.text, 'multitenancy_enabled'), 'true',
      `-auth.multitenancy-enabled should show as multitenancy_enabled: true; got:\n${res.text}`);
  });

  test('a missing X-Scope-OrgID gets 401 {"code":"unauthenticated","message":"no org id"}', T, async () => {
    const res = await tenant(srv);
    const message = assertUnauthenticated(res, 'no X-Scope-OrgID');
    assert.equal(message, 'no org id', `message should be "no org id"; got ${JSON.stringify(message)}`);
  });

  test('a valid X-Scope-OrgID is accepted', T, async () => {
    assertTenant(await tenant(srv, 'tenant-1'), 'tenant-1', 'X-Scope-OrgID: tenant-1');
    // 150 characters is the longest valid tenant ID (Pyroscope's limit).
    const longest = 't'.repeat(150);
    assertTenant(await tenant(srv, longest), longest, 'a 150-character X-Scope-OrgID');
  });

  const invalid = [
    { id: '..', problem: /\.\.|dot|invalid|unsafe/i },
    { id: 'a/b', problem: /\/|unsupported|invalid|character/i },
    { id: 'x'.repeat(151), problem: /long|150|length/i },
    { id: 'a b', problem: /unsupported|invalid|character|space/i },
  ];
  for (const { id, problem } of invalid) {
    const label = id.length > 20 ? `a ${id.length}-character ID` : JSON.stringify(id);
    test(`an invalid X-Scope-OrgID (${label}) gets 401 naming the problem`, T, async () => {
      const message = assertUnauthenticated(await tenant(srv, id), `X-Scope-OrgID ${label}`);
      assert.match(message, problem, `the message for ${label} should name the problem (${problem}); got ${JSON.stringify(message)}`);
    });
  }

  test('/ready, /metrics, Version and Health/Check need no tenant', T, async () => {
    const ready = await httpRequest(srv.baseUrl, '/ready');
    assert.equal(ready.status, 200, `GET /ready should not need a tenant; got ${describeRes(ready)}`);
    const metrics = await httpRequest(srv.baseUrl, '/metrics');
    assert.equal(metrics.status, 200, `GET /metrics should not need a tenant; got ${describeRes(metrics)}`);
    const version = await connectUnary(srv.baseUrl, '/version.v1.Version/Version', '{}');
    assert.equal(version.status, 200, `Version should not need a tenant; got ${describeRes(version)}`);
    const health = await connectUnary(srv.baseUrl, '/grpc.health.v1.Health/Check', '{}');
    assert.equal(health.status, 200, `Health/Check should not need a tenant; got ${describeRes(health)}`);
    assert.deepEqual(health.json(), { status: 'SERVING' });
  });
});
