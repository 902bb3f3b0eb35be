// flamectl canary against the real binary: one probe passes against a healthy server (Connect
// and gRPC-Web), fails naming the check against a stopped one or without the tenant a
// multi-tenant server needs; the exporter serves per-check Prometheus metrics that follow the
// server going away, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { httpRequest } from './lib/http.mjs';
import { sampleValue } from './lib/metrics.mjs';
import { startServer } from './lib/server.mjs';

const FLAMECTL = process.env.FLAMECTL_BIN
  ?? path.join(path.dirname(process.env.FLAMEDB_BIN ?? 'build/bin/flamedb'), 'flamectl');
const T = { timeout: 60_000 };
const CHECKS = ['push', 'profile_types', 'label_names', 'label_values', 'series', 'select_series',
  'merge_stacktraces', 'merge_profile', 'profile_stats'];

function flamectl(args) {
  return new Promise((resolve) => {
    execFile(FLAMECTL, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the last value. */
async function eventually(fn, ms = 20_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await delay(100);
  }
  return last;
}

describe('flamectl canary', () => {
  let srv;
  before(async () => {
    srv = await startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0']);
  });
  after(async () => {
    await srv?.stop();
  });

  test('--once passes every check against a healthy server, over Connect and gRPC-Web', T, async () => {
    for (const protocol of ['connect', 'grpc-web']) {
      const r = await flamectl(['canary', '--once', '--url', srv.baseUrl, '--tenant-id', 'canary', '--protocol', protocol]);
      assert.equal(r.code, 0, `${protocol}: ${r.stdout}${r.stderr}`);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(lines.map((l) => l.split(/\s+/).slice(0, 2)), CHECKS.map((c) => ['ok', c]), r.stdout);
    }
    // The probe really wrote: its service is there for the tenant, with two probes' frames.
    const res = await httpRequest(srv.baseUrl, '/querier.v1.QuerierService/LabelValues', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': 'canary' },
      body: JSON.stringify({ name: 'service_name', matchers: ['{}'] }),
    });
    assert.deepEqual(JSON.parse(res.text).names, ['flamectl-canary']);
  });

  test('--once fails naming the check: no tenant, and a stopped server', T, async () => {
    const noTenant = await flamectl(['canary', '--once', '--url', srv.baseUrl]);
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stdout, /^FAIL push .*Push: .*org id/im);
    assert.match(noTenant.stdout, /^FAIL merge_profile .*skipped: push failed/m);
    assert.equal(noTenant.stderr, 'flamectl: canary probe failed\n');

    const gone = await startServer([]);
    const url = gone.baseUrl;
    await gone.stop();
    const down = await flamectl(['canary', '--once', '--url', url]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^FAIL push .*cannot connect/m);
  });

  test('the exporter serves per-check metrics that follow the server, and stops on SIGTERM', T, async () => {
    const target = await startServer(['-storage.min-free-disk-mb=0']);
    const child = spawn(FLAMECTL, ['canary', '--url', target.baseUrl, '--interval', '200ms',
      '--listen-address', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const addr = await eventually(() => /msg="canary metrics listening" addr=([\d.]+:\d+)/.exec(log)?.[1]);
      assert.ok(addr, log);
      const metrics = async () => (await httpRequest(`http://${addr}`, '/metrics')).text;
      const healthy = await eventually(async () => {
        const text = await metrics();
        const ok = CHECKS.every((check) => sampleValue(text, 'flamectl_canary_check_success', { check }) === 1)
          && sampleValue(text, 'flamectl_canary_checks_total', { check: 'merge_profile', result: 'success' }) >= 2;
        return ok && text;
      });
      assert.ok(healthy, `every check passes, twice: ${await metrics()}\n${log}`);
      assert.ok(sampleValue(healthy, 'flamectl_canary_last_probe_timestamp_seconds') > Date.now() / 1000 - 60);
      assert.ok(sampleValue(healthy, 'flamectl_canary_check_duration_seconds', { check: 'push' }) > 0);

      await target.stop();
      const failing = await eventually(async () => {
        const text = await metrics();
        return sampleValue(text, 'flamectl_canary_check_success', { check: 'push' }) === 0 && text;
      });
      assert.ok(failing, await metrics());
      assert.equal(sampleValue(failing, 'flamectl_canary_check_success', { check: 'merge_stacktraces' }), 0);
      assert.ok(sampleValue(failing, 'flamectl_canary_checks_total', { check: 'push', result: 'failure' }) >= 1);
      assert.match(log, /msg="canary check failed" check=push err="unavailable: Push: cannot connect/);

      child.kill('SIGTERM');
      const { code } = await exited;
      assert.equal(code, 0, log);
      assert.match(log, /msg="canary stopping"/);
    } finally {
      child.kill('SIGKILL');
      await target.stop();
    }
  });

  test('canary usage errors exit 2; --help has examples', T, async () => {
    for (const args of [['canary', '--interval', '0s'], ['canary', '--interval', 'often'],
      ['canary', '--listen-address', 'nowhere'], ['canary', 'extra'], ['canary', '--protocol', 'grpc']]) {
      const r = await flamectl(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^flamectl: [^\n]+\n$/);
    }
    const help = await flamectl(['canary', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
    assert.match(help.stdout, /flamectl_canary_check_success/);
  });
});
