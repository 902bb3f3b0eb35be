// Command line and config file: -version, -help, unknown flags, YAML config (unknown keys,
// values, flag precedence) and -config.expand-env.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { httpRequest, describe as describeRes } from './lib/http.mjs';
import { freePort, makeTempDir, runFlamedb, startServer } from './lib/server.mjs';
import { scalar, topLevelBlock } from './lib/yaml.mjs';

const T = { timeout: 30_000 };

let tmp;
before(async () => { tmp = await makeTempDir('flamedb-cli-'); });

async function writeConfig(name, text) {
  const file = path.join(tmp, name);
  await writeFile(file, text);
  return file;
}

/** The effective config's `server:` block, via GET /api/v1/status/config. */
async function serverConfigBlock(srv) {
  const res = await httpRequest(srv.baseUrl, '/api/v1/status/config');
  assert.equal(res.status, 200, `GET /api/v1/status/config should return 200; got ${describeRes(res)}`);
  const block = topLevelBlock(res.text, 'server');
  assert.ok(block !== null, `the config should have a top-level "server:" section; got:\n${res.text}`);
  return { text: res.text, block };
}

describe('flags', () => {
  test('-version exits 0 and prints "flamedb, version"', T, async () => {
    const r = await runFlamedb(['-version']);
    assert.equal(r.timedOut, false, 'flamedb -version should exit by itself');
    assert.equal(r.code, 0, `flamedb -version should exit 0; got code=${r.code} signal=${r.signal}, stderr:\n${r.stderr}`);
    const out = r.stdout + r.stderr;
    assert.match(out, /^.*flamedb, version .*$/m, `-version output should have a line with "flamedb, version"; got:\n${out}`);
  });

  test('-help exits 0 and documents the flags with their defaults', T, async () => {
    const r = await runFlamedb(['-help']);
    assert.equal(r.timedOut, false, 'flamedb -help should exit by itself');
    assert.equal(r.code, 0, `flamedb -help should exit 0; got code=${r.code} signal=${r.signal}`);
    const out = r.stdout + r.stderr;
    const lines = out.split('\n');
    const i = lines.findIndex((l) => /^\s*-server\.http-listen-port\b/.test(l));
    assert.ok(i >= 0, `-help should list -server.http-listen-port; got:\n${out}`);
    // Go's flag usage: the flag line, then indented description lines up to the next flag.
    let j = i + 1;
    while (j < lines.length && !/^\s*-\w/.test(lines[j])) j++;
    const entry = lines.slice(i, j).join('\n');
    assert.match(entry, /\b4040\b/, `the -server.http-listen-port entry should show its default 4040; got:\n${entry}`);
    for (const flag of [
      'server.http-listen-address', 'server.http-read-timeout', 'server.http-idle-timeout',
      'server.http-write-timeout', 'server.http-max-request-header-bytes',
      'server.http-max-request-body-bytes', 'server.graceful-shutdown-timeout',
      'auth.multitenancy-enabled', 'storage.filesystem.dir', 'log.level', 'config.file',
      'config.expand-env',
    ]) {
      assert.ok(new RegExp(`^\\s*-${flag.replace(/\./g, '\\.')}\\b`, 'm').test(out), `-help should list -${flag}`);
    }
  });

  test('an unknown flag exits non-zero and names the flag', T, async () => {
    const r = await runFlamedb(['-no.such-flag']);
    assert.equal(r.timedOut, false, 'flamedb with an unknown flag should exit by itself, not start serving');
    assert.ok(r.code !== null && r.code !== 0,
      `flamedb -no.such-flag should exit with a non-zero code (1 expected); got code=${r.code} signal=${r.signal}`);
    assert.match(r.stderr, /no\.such-flag/, `stderr should name no.such-flag; got:\n${r.stderr}`);
  });
});

describe('config file', () => {
  test('an unknown YAML key exits non-zero and names the key', T, async () => {
    const file = await writeConfig('unknown-key.yaml', 'server:\n  no_such_key: 1\n');
    const dataDir = await makeTempDir('flamedb-data-');
    const r = await runFlamedb([
      `-config.file=${file}`, '-server.http-listen-address=127.0.0.1', '-server.http-listen-port=0',
      `-storage.filesystem.dir=${dataDir}`,
    ]);
    assert.equal(r.timedOut, false, `flamedb with an unknown config key should exit, not serve; stderr:\n${r.stderr}`);
    assert.ok(r.code !== null && r.code !== 0,
      `an unknown config key should make flamedb exit non-zero; got code=${r.code} signal=${r.signal}`);
    assert.match(r.stdout + r.stderr, /no_such_key/, `the error should name no_such_key; got:\n${r.stderr}`);
  });

  test('a YAML value is applied, and a flag overrides it', T, async (t) => {
    // Durations under a minute print the same in every Go-style formatter ("41s").
    const file = await writeConfig('idle.yaml', 'server:\n  http_server_idle_timeout: 41s\n');

    const fromYaml = await startServer([`-config.file=${file}`]);
    t.after(() => fromYaml.stop());
    const a = await serverConfigBlock(fromYaml);
    assert.equal(scalar(a.block, 'http_server_idle_timeout'), '41s',
      `server.http_server_idle_timeout should be 41s from the YAML file; server block:\n${a.block}`);

    const overridden = await startServer([`-config.file=${file}`, '-server.http-idle-timeout=42s']);
    t.after(() => overridden.stop());
    const b = await serverConfigBlock(overridden);
    assert.equal(scalar(b.block, 'http_server_idle_timeout'), '42s',
      `-server.http-idle-timeout=42s should override the YAML's 41s; server block:\n${b.block}`);
  });

  test('-config.expand-env expands ${VAR} in the YAML', T, async (t) => {
    const port = await freePort();
    const file = await writeConfig('expand.yaml', 'server:\n  http_listen_port: ${FLAMEDB_TEST_PORT_X}\n');
    const srv = await startServer([`-config.file=${file}`, '-config.expand-env'], {
      listenPort: null, // the port must come from the expanded config
      env: { FLAMEDB_TEST_PORT_X: String(port) },
    });
    t.after(() => srv.stop());
    assert.equal(srv.port, port, `the server should listen on the port from \${FLAMEDB_TEST_PORT_X} (${port}); it logged ${srv.port}`);
    const { block } = await serverConfigBlock(srv);
    assert.equal(scalar(block, 'http_listen_port'), String(port),
      `server.http_listen_port should show the expanded value ${port}; server block:\n${block}`);
  });
});
