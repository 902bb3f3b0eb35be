// Plain HTTP routes: /ready, /metrics (format and request accounting), build info, config,
// keep-alive reuse, and the real curl binary.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { connectUnary, describe as describeRes, httpRequest, RawConn, requestHead } from './lib/http.mjs';
import { parseFamilies, sampleValue, samples } from './lib/metrics.mjs';
import { startServer } from './lib/server.mjs';
import { scalar, topLevelBlock } from './lib/yaml.mjs';

const execFileAsync = promisify(execFile);
const T = { timeout: 30_000 };

let srv;
before(async () => {
  srv = await startServer(['-server.http-idle-timeout=47s']);
});
after(async () => {
  await srv?.stop();
});

async function getMetrics() {
  const res = await httpRequest(srv.baseUrl, '/metrics');
  assert.equal(res.status, 200, `GET /metrics should return 200; got ${describeRes(res)}`);
  return res;
}

/**
 * Polls /metrics until `sampleName{labels}` reaches at least `min` (a server may record a
 * request just after sending its response), bounded by 3 s. Returns the last value seen.
 */
async function waitForSample(sampleName, labels, min) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = sampleValue((await getMetrics()).text, sampleName, labels) ?? 0;
    if (v >= min || Date.now() > deadline) return v;
    await delay(50);
  }
}

describe('/ready', () => {
  test('GET /ready returns 200 "ready"', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/ready');
    assert.equal(res.status, 200, `GET /ready should return 200; got ${describeRes(res)}`);
    assert.equal(res.text.trim(), 'ready', `GET /ready body should be "ready"; got ${JSON.stringify(res.text)}`);
  });
});

describe('/metrics', () => {
  test('is Prometheus text format 0.0.4 with the expected families', T, async () => {
    const res = await getMetrics();
    const ct = (res.headers['content-type'] ?? '').toLowerCase().replace(/\s*;\s*/g, '; ');
    assert.equal(ct, 'text/plain; version=0.0.4; charset=utf-8',
      `/metrics Content-Type should be "text/plain; version=0.0.4; charset=utf-8"; got ${res.headers['content-type']}`);

    let families;
    assert.doesNotThrow(() => { families = parseFamilies(res.text); },
      'the /metrics body should parse as Prometheus text format');

    const expectTypes = {
      pyroscope_request_duration_seconds: 'HISTOGRAM',
      pyroscope_build_info: 'GAUGE',
      // Types as Prometheus' standard process collector exports them.
      process_resident_memory_bytes: 'GAUGE',
      process_cpu_seconds_total: 'COUNTER',
      process_open_fds: 'GAUGE',
      process_start_time_seconds: 'GAUGE',
    };
    for (const [name, type] of Object.entries(expectTypes)) {
      assert.ok(families.has(name), `/metrics should have the family ${name}; it has: ${[...families.keys()].join(', ')}`);
      assert.equal(families.get(name).type, type, `${name} should be of type ${type}`);
    }

    const rss = sampleValue(res.text, 'process_resident_memory_bytes');
    assert.ok(rss > 0, `process_resident_memory_bytes should be > 0; got ${rss}`);
    const fds = sampleValue(res.text, 'process_open_fds');
    assert.ok(fds > 0, `process_open_fds should be > 0; got ${fds}`);
    const cpu = sampleValue(res.text, 'process_cpu_seconds_total');
    assert.ok(cpu >= 0, `process_cpu_seconds_total should be >= 0; got ${cpu}`);
    const start = sampleValue(res.text, 'process_start_time_seconds');
    const now = Date.now() / 1000;
    assert.ok(start > now - 600 && start <= now + 5,
      `process_start_time_seconds should be a Unix time within the last 10 minutes (now ${now}); got ${start}`);

    const info = samples(res.text, 'pyroscope_build_info');
    assert.equal(info.length, 1, `pyroscope_build_info should have exactly one series; got ${JSON.stringify(info)}`);
    assert.equal(info[0].value, 1, 'pyroscope_build_info should be 1');
    for (const l of ['version', 'revision', 'branch', 'goversion']) {
      assert.ok(l in info[0].labels, `pyroscope_build_info should have label ${l}; got ${JSON.stringify(info[0].labels)}`);
    }

    // Every histogram series: method/route/status_code labels and a +Inf bucket equal to _count.
    const counts = samples(res.text, 'pyroscope_request_duration_seconds_count');
    assert.ok(counts.length > 0, 'pyroscope_request_duration_seconds should have at least one series (start-up polled /ready)');
    const buckets = samples(res.text, 'pyroscope_request_duration_seconds_bucket');
    for (const c of counts) {
      for (const l of ['method', 'route', 'status_code']) {
        assert.ok(l in c.labels, `pyroscope_request_duration_seconds series should have label ${l}; got ${JSON.stringify(c.labels)}`);
      }
      const inf = buckets.find((b) => b.labels.le === '+Inf' &&
        b.labels.method === c.labels.method && b.labels.route === c.labels.route &&
        b.labels.status_code === c.labels.status_code);
      assert.ok(inf, `series ${JSON.stringify(c.labels)} should have a le="+Inf" bucket`);
      assert.equal(inf.value, c.value, `the le="+Inf" bucket of ${JSON.stringify(c.labels)} should equal its _count`);
    }
  });

  test('counts GET /ready requests under route="ready"', T, async () => {
    const labels = { route: 'ready', method: 'GET', status_code: '200' };
    const name = 'pyroscope_request_duration_seconds_count';
    const before = sampleValue((await getMetrics()).text, name, labels) ?? 0;
    const N = 7;
    for (let i = 0; i < N; i++) {
      const r = await httpRequest(srv.baseUrl, '/ready');
      assert.equal(r.status, 200, `GET /ready #${i + 1} should return 200; got ${describeRes(r)}`);
    }
    const afterVal = await waitForSample(name, labels, before + N);
    // Nothing else calls /ready on this server meanwhile, so the growth is exactly N.
    assert.equal(afterVal - before, N,
      `${name}${JSON.stringify(labels)} should grow by exactly ${N} (was ${before}, now ${afterVal})`);
  });

  test('derives route labels from the path, and "other" for unmatched requests', T, async () => {
    const v = await connectUnary(srv.baseUrl, '/version.v1.Version/Version', '{}');
    assert.equal(v.status, 200, `POST /version.v1.Version/Version should return 200; got ${describeRes(v)}`);
    const nope = await httpRequest(srv.baseUrl, '/nope/x');
    assert.equal(nope.status, 404, `GET /nope/x should return 404; got ${describeRes(nope)}`);

    const name = 'pyroscope_request_duration_seconds_count';
    const versionCount = await waitForSample(name, { route: 'version_v1_version_version', method: 'POST', status_code: '200' }, 1);
    assert.ok(versionCount >= 1,
      'POST /version.v1.Version/Version should be counted under route="version_v1_version_version",method="POST",status_code="200"');
    const otherCount = await waitForSample(name, { route: 'other', method: 'GET', status_code: '404' }, 1);
    assert.ok(otherCount >= 1, 'GET /nope/x should be counted under route="other",method="GET",status_code="404"');
  });
});

describe('status endpoints', () => {
  test('GET /api/v1/status/buildinfo returns the build info, matching pyroscope_build_info', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/api/v1/status/buildinfo');
    assert.equal(res.status, 200, `GET /api/v1/status/buildinfo should return 200; got ${describeRes(res)}`);
    const body = res.json();
    assert.equal(body.status, 'success', `buildinfo "status" should be "success"; got ${res.text}`);
    assert.equal(typeof body.data, 'object', `buildinfo should have a "data" object; got ${res.text}`);
    for (const k of ['version', 'revision', 'branch', 'buildUser', 'buildDate', 'goVersion']) {
      assert.equal(typeof body.data[k], 'string', `buildinfo data.${k} should be a string; got ${res.text}`);
    }
    assert.notEqual(body.data.version, '', 'buildinfo data.version should not be empty');

    const info = samples((await getMetrics()).text, 'pyroscope_build_info')[0];
    assert.ok(info, 'pyroscope_build_info should be exported');
    assert.equal(info.labels.version, body.data.version, 'pyroscope_build_info{version} should equal buildinfo data.version');
    assert.equal(info.labels.revision, body.data.revision, 'pyroscope_build_info{revision} should equal buildinfo data.revision');
    assert.equal(info.labels.branch, body.data.branch, 'pyroscope_build_info{branch} should equal buildinfo data.branch');
    assert.equal(info.labels.goversion, body.data.goVersion, 'pyroscope_build_info{goversion} should equal buildinfo data.goVersion');
  });

  test('GET /api/v1/status/config returns the effective config as YAML', T, async () => {
    const res = await httpRequest(srv.baseUrl, '/api/v1/status/config');
    assert.equal(res.status, 200, `GET /api/v1/status/config should return 200; got ${describeRes(res)}`);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain\b/,
      `/api/v1/status/config should be text/plain; got ${res.headers['content-type']}`);
    const server = topLevelBlock(res.text, 'server');
    assert.ok(server !== null, `the config should have a top-level "server:" section; got:\n${res.text}`);
    assert.notEqual(scalar(server, 'http_listen_port'), undefined, `server: should contain http_listen_port:; got:\n${server}`);
    assert.match(res.text, /^\s*multitenancy_enabled:\s*false\s*$/m,
      `the config should contain "multitenancy_enabled: false" (the default); got:\n${res.text}`);
    assert.equal(scalar(server, 'http_server_idle_timeout'), '47s',
      `server.http_server_idle_timeout should reflect -server.http-idle-timeout=47s; server block:\n${server}`);
  });

  test('a gzip-encoded config response (if the server compresses it) decodes to the same YAML', T, async () => {
    const plain = await httpRequest(srv.baseUrl, '/api/v1/status/config');
    const res = await httpRequest(srv.baseUrl, '/api/v1/status/config', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200, `GET /api/v1/status/config with Accept-Encoding: gzip should return 200; got ${describeRes(res)}`);
    const enc = (res.headers['content-encoding'] ?? 'identity').toLowerCase();
    assert.ok(enc === 'identity' || enc === 'gzip', `only gzip or identity were acceptable; got Content-Encoding ${enc}`);
    const text = enc === 'gzip' ? zlib.gunzipSync(res.body).toString('utf8') : res.text;
    assert.equal(text, plain.text, 'the (decoded) config should be the same with and without Accept-Encoding: gzip');
  });
});

describe('keep-alive', () => {
  test('several requests reuse one connection (http.Agent keepAlive)', T, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused = [];
      for (let i = 0; i < 5; i++) {
        const r = await httpRequest(srv.baseUrl, '/ready', { agent });
        assert.equal(r.status, 200, `GET /ready #${i + 1} over the keep-alive agent should return 200; got ${describeRes(r)}`);
        reused.push(r.reusedSocket);
        // Let the agent put the socket back into its free pool before the next request.
        await delay(0);
      }
      assert.deepEqual(reused, [false, true, true, true, true],
        `requests 2-5 should reuse the first connection; reusedSocket per request: ${reused}`);
    } finally {
      agent.destroy();
    }
  });

  test('several requests on one raw socket are all answered', T, async () => {
    const conn = await RawConn.connect(srv.port);
    try {
      await conn.write(requestHead('GET', '/ready', { Connection: 'keep-alive' }));
      const r1 = await conn.readResponse();
      assert.equal(r1.status, 200, 'first request (GET /ready) on the socket should return 200');
      assert.equal(r1.text.trim(), 'ready');

      await conn.write(requestHead('GET', '/api/v1/status/buildinfo', {}));
      const r2 = await conn.readResponse();
      assert.equal(r2.status, 200, 'second request (GET /api/v1/status/buildinfo) on the socket should return 200');
      assert.equal(JSON.parse(r2.text).status, 'success');

      const body = '{}';
      await conn.write(requestHead('POST', '/grpc.health.v1.Health/Check', {
        'Content-Type': 'application/json', 'Content-Length': body.length,
      }) + body);
      const r3 = await conn.readResponse();
      assert.equal(r3.status, 200, `third request (Health/Check) on the socket should return 200; got ${r3.status} ${r3.text}`);
      assert.deepEqual(JSON.parse(r3.text), { status: 'SERVING' });

      assert.equal(conn.closed, false, 'the server should keep the connection open after keep-alive requests');
    } finally {
      conn.destroy();
    }
  });
});

describe('curl', () => {
  test('curl POST Health/Check with JSON returns {"status":"SERVING"}', T, async () => {
    const { stdout } = await execFileAsync('curl', [
      '-sS', '--max-time', '10', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{}',
      `${srv.baseUrl}/grpc.health.v1.Health/Check`,
    ]);
    assert.deepEqual(JSON.parse(stdout), { status: 'SERVING' }, `curl should get {"status":"SERVING"}; got ${stdout}`);
  });

  test('curl --compressed on /api/v1/status/config gets the plain YAML', T, async () => {
    const { stdout } = await execFileAsync('curl', [
      '-sS', '--fail', '--max-time', '10', '--compressed', `${srv.baseUrl}/api/v1/status/config`,
    ]);
    assert.ok(!stdout.startsWith('\x1f\x8b'), 'curl --compressed output should be decompressed, not gzip bytes');
    assert.ok(topLevelBlock(stdout, 'server') !== null, `curl --compressed output should be the YAML config; got:\n${stdout.slice(0, 500)}`);
    assert.match(stdout, /^\s*multitenancy_enabled:/m, 'the YAML fetched by curl should contain multitenancy_enabled:');
  });
});
