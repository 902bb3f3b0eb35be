// flamectl upload and query against the real binary (multi-tenant): Go runtime/pprof files
// (gzipped and raw) and a folded file go in through `flamectl upload`; then every `query`
// subcommand is checked against the API called directly (Connect JSON) and against Google's pprof
// (`go tool pprof -top` of the uploaded file, and of the profile `query profile` exported), over
// Connect and gRPC-Web. The common flags are checked on the wire through a recording proxy, and
// the server's gRPC-Web side also with connect-node's own gRPC-Web transport.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';

import { goPprofTop as pprofTop, pprofTotals, runGoTool } from './lib/gotools.mjs';
import { connectUnary } from './lib/http.mjs';
import { loadProtos } from './lib/proto.mjs';
import { recordingProxy } from './lib/proxy.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const FLAMECTL = process.env.FLAMECTL_BIN
  ?? path.join(path.dirname(process.env.FLAMEDB_BIN ?? 'build/bin/flamedb'), 'flamectl');
const T = { timeout: 60_000 };
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const TENANT = 'team-a';
const FOLDED = 'main;work;alpha 30\nmain;work;beta 10\nmain;idle 5\n';
const FROM = String(Date.now() - 3_600_000); // Unix ms, as the server's attime syntax takes them.
const TO = String(Date.now() + 600_000);

/** Runs flamectl; resolves { code, stdout, stderr }. */
function flamectl(args) {
  return new Promise((resolve) => {
    execFile(FLAMECTL, args, { timeout: 30_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('flamectl upload and query', () => {
  let srv;
  let dir;
  let api; // Connect JSON call to the querier as TENANT.
  const base = () => ['--url', srv.baseUrl, '--tenant-id', TENANT, '--from', FROM, '--to', TO];
  const query = (sub, ...args) => flamectl(['query', sub, ...base(), ...args]);

  before(async () => {
    dir = await makeTempDir('flamedb-ctlq-');
    const gen = await runGoTool('profilegen', ['-out', dir, '-seconds', '1'], { timeoutMs: 60_000 });
    assert.equal(gen.code, 0, gen.stderr);
    writeFileSync(path.join(dir, 'cpu.pb'), gunzipSync(readFileSync(path.join(dir, 'cpu.pb.gz'))));
    writeFileSync(path.join(dir, 'stacks.folded'), FOLDED);
    srv = await startServer(['-auth.multitenancy-enabled', '-storage.min-free-disk-mb=0']);
    api = async (method, body) => {
      const res = await connectUnary(srv.baseUrl, `/querier.v1.QuerierService/${method}`, JSON.stringify(body),
        { headers: { 'X-Scope-OrgID': TENANT } });
      assert.equal(res.status, 200, `${method}: ${res.text}`);
      return JSON.parse(res.text);
    };
  });
  after(async () => {
    await srv?.stop();
    removeTempDir(dir);
  });

  test('upload: several pprof files in one call, with labels, progress and guessed types', T, async () => {
    const files = ['cpu.pb.gz', 'heap.pb.gz'].map((f) => path.join(dir, f));
    const r = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT,
      '--service-name', 'goapp', '--label', 'env=test', ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'uploaded 2 files\n');
    assert.match(r.stderr, /^\[1\/2\] .*cpu\.pb\.gz: process_cpu, \d+ samples/m);
    assert.match(r.stderr, /^\[2\/2\] .*heap\.pb\.gz: memory, \d+ samples/m);
    const raw = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT,
      '--service-name', 'rawapp', path.join(dir, 'cpu.pb')]);
    assert.equal(raw.code, 0, raw.stderr);
    const typed = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT,
      '--service-name', 'typed', '--type', 'custom_cpu', path.join(dir, 'cpu.pb.gz')]);
    assert.equal(typed.code, 0, typed.stderr);
    const folded = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT,
      '--service-name', 'foldy', path.join(dir, 'stacks.folded')]);
    assert.equal(folded.code, 0, folded.stderr);
    assert.match(folded.stderr, /stacks\.folded: process_cpu, 3 samples/);

    const series = await api('Series', { matchers: ['{}'], labelNames: ['service_name', '__name__', 'env'], start: FROM, end: TO });
    const sets = series.labelsSet.map((s) => Object.fromEntries(s.labels.map((l) => [l.name, l.value ?? ''])));
    for (const want of [{ service_name: 'goapp', __name__: 'process_cpu', env: 'test' },
      { service_name: 'goapp', __name__: 'memory', env: 'test' }, { service_name: 'rawapp', __name__: 'process_cpu' },
      { service_name: 'typed', __name__: 'custom_cpu' }, { service_name: 'foldy', __name__: 'process_cpu' }]) {
      assert.ok(sets.some((s) => Object.entries(want).every(([k, v]) => s[k] === v)), `${JSON.stringify(want)} in ${JSON.stringify(sets)}`);
    }
    const kinds = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT, '--service-name', 'gokinds',
      ...['mutex', 'block', 'goroutine'].map((k) => path.join(dir, `${k}.pb.gz`))]);
    assert.equal(kinds.code, 0, kinds.stderr);
    assert.match(kinds.stderr, /\[1\/3\] .*mutex\.pb\.gz: mutex,.*\n.*\[2\/3\] .*block\.pb\.gz: block,.*\n.*\[3\/3\] .*goroutine\.pb\.gz: goroutine,/);
    const names = await api('LabelValues', { name: '__name__', matchers: ['{service_name="gokinds"}'], start: FROM, end: TO });
    assert.deepEqual(names.names, ['block', 'goroutine', 'mutex']);
    const types = await api('ProfileTypes', { start: FROM, end: TO });
    assert.ok(types.profileTypes.some((t) => t.ID === 'custom_cpu:cpu:nanoseconds:cpu:nanoseconds'), JSON.stringify(types));
  });

  test('query top equals go tool pprof -top of the uploaded file (gzipped and raw)', T, async () => {
    const { rows: want } = await pprofTop(path.join(dir, 'cpu.pb.gz'));
    assert.ok(want.size > 5, 'pprof lists functions');
    for (const svc of ['goapp', 'rawapp']) {
      const r = await query('top', '--query', `{service_name="${svc}"}`, '--limit', '0', '--output', 'json');
      assert.equal(r.code, 0, r.stderr);
      const got = new Map(JSON.parse(r.stdout).map((x) => [x.name, { flat: BigInt(x.self), cum: BigInt(x.total) }]));
      assert.deepEqual(got, want, svc);
    }
    const table = await query('top', '--query', '{service_name="goapp"}', '--limit', '3');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.equal(lines.length, 4, table.stdout);
    assert.match(lines[0], /flat\s+flat%\s+sum%\s+cum\s+cum%\s+name/);
    const top = [...want.entries()].sort((a, b) => Number(b[1].flat - a[1].flat) || (a[0] < b[0] ? -1 : 1))[0][0]; // pprof's order.
    assert.ok(lines[1].endsWith(`  ${top}`), `${lines[1]} is ${top}`);
  });

  test('query flamegraph: folded output is the uploaded folded file; JSON is the API answer', T, async () => {
    const folded = await query('flamegraph', '--query', '{service_name="foldy"}', '--format', 'folded');
    assert.equal(folded.code, 0, folded.stderr);
    const expected = FOLDED.trim().split('\n').map((l) => {
      const [stack, n] = l.split(' ');
      return `${stack} ${BigInt(n) * 10_000_000n}`; // 100 Hz: 10 ms per sample.
    }).sort();
    assert.deepEqual(folded.stdout.trim().split('\n').sort(), expected);

    const json = await query('flamegraph', '--query', '{service_name="goapp"}', '--max-nodes', '50', '--output', 'json');
    assert.equal(json.code, 0, json.stderr);
    const direct = await api('SelectMergeStacktraces', { profileTypeID: CPU, labelSelector: '{service_name="goapp"}',
      start: FROM, end: TO, maxNodes: '50', format: 'PROFILE_FORMAT_FLAMEGRAPH' });
    assert.deepEqual(JSON.parse(json.stdout), direct.flamegraph);

    const tree = await query('flamegraph', '--query', '{service_name="foldy"}');
    assert.equal(tree.code, 0, tree.stderr);
    assert.equal(tree.stdout,
      'total 450.00ms (100.00%, self 0ns)\n' +
      '  main 450.00ms (100.00%, self 0ns)\n' +
      '    work 400.00ms (88.89%, self 0ns)\n' +
      '      alpha 300.00ms (66.67%, self 300.00ms)\n' +
      '      beta 100.00ms (22.22%, self 100.00ms)\n' +
      '    idle 50.00ms (11.11%, self 50.00ms)\n');
    const shallow = await query('flamegraph', '--query', '{service_name="foldy"}', '--max-depth', '1');
    assert.equal(shallow.stdout.trim().split('\n').length, 2, shallow.stdout);
  });

  test('query profile writes a pprof file that go tool pprof reads, with the uploaded totals', T, async () => {
    const out = path.join(dir, 'merged.pb.gz');
    const r = await query('profile', '--query', '{service_name="goapp"}', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*merged\.pb\.gz: \d+ samples/);
    const [merged, original] = await Promise.all([pprofTop(out), pprofTop(path.join(dir, 'cpu.pb.gz'))]);
    assert.match(merged.text, /Type: cpu/);
    assert.deepEqual(merged.rows, original.rows);
    const [a, b] = await pprofTotals([out, path.join(dir, 'cpu.pb.gz')]);
    assert.deepEqual(a.sample_types, ['cpu/nanoseconds'], 'the one type asked for');
    assert.deepEqual(a.totals, [b.totals[b.sample_types.indexOf('cpu/nanoseconds')]]);
  });

  test('query series, labels and label-values equal what the API answers', T, async () => {
    const series = await query('series', '--query', '{service_name="goapp"}', '--output', 'json');
    assert.equal(series.code, 0, series.stderr);
    const direct = await api('Series', { matchers: ['{service_name="goapp"}'], start: FROM, end: TO });
    assert.deepEqual(JSON.parse(series.stdout), direct);
    const table = await query('series', '--label-names', 'service_name');
    assert.deepEqual(table.stdout.trim().split('\n').sort(),
      ['{service_name="foldy"}', '{service_name="goapp"}', '{service_name="gokinds"}', '{service_name="rawapp"}', '{service_name="typed"}']);

    const labels = await query('labels', '--output', 'json');
    assert.equal(labels.code, 0, labels.stderr);
    const names = (await api('LabelNames', { matchers: ['{}'], start: FROM, end: TO })).names;
    const want = {};
    for (const name of names) {
      want[name] = ((await api('LabelValues', { name, matchers: ['{}'], start: FROM, end: TO })).names ?? []).length;
    }
    assert.deepEqual(JSON.parse(labels.stdout), want);
    assert.equal(want.service_name, 5);

    const values = await query('label-values', 'service_name', '--output', 'json');
    assert.equal(values.code, 0, values.stderr);
    const all = await api('Series', { matchers: ['{}'], start: FROM, end: TO });
    const counts = {};
    for (const s of all.labelsSet) {
      const v = s.labels.find((l) => l.name === 'service_name')?.value;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    assert.deepEqual(JSON.parse(values.stdout), counts);
    assert.ok(counts.goapp > counts.foldy, 'cpu and memory series against cpu only');
    const text = await query('label-values', 'service_name');
    assert.match(text.stdout, new RegExp(`^goapp\\s+${counts.goapp}$`, 'm'));
  });

  test('query diff: each side of the biggest changes is that side on its own', T, async () => {
    const r = await query('diff', '--left-query', '{service_name="goapp"}', '--right-query', '{service_name="foldy"}',
      '--limit', '0', '--output', 'json');
    assert.equal(r.code, 0, r.stderr);
    const rows = new Map(JSON.parse(r.stdout).map((x) => [x.name, x]));
    const { rows: left } = await pprofTop(path.join(dir, 'cpu.pb.gz'));
    for (const [name, { flat }] of left) assert.equal(BigInt(rows.get(name).left_self), flat, name);
    assert.equal(rows.get('alpha').right_self, 300_000_000);
    assert.equal(rows.get('beta').right_self, 100_000_000);
    assert.equal(rows.get('alpha').left_self, 0);
    const changes = JSON.parse(r.stdout).map((x) => Math.abs(x.change_points));
    assert.deepEqual(changes, [...changes].sort((a, b) => b - a), 'biggest change first');
    assert.equal(JSON.parse(r.stdout)[0].name, 'alpha');
    const table = await query('diff', '--left-query', '{service_name="goapp"}', '--right-query', '{service_name="foldy"}', '--limit', '2');
    assert.match(table.stdout.split('\n')[1], /0ns\s+0\.00%\s+300\.00ms\s+66\.67%\s+\+66\.67pp\s+alpha$/);
  });

  test('--protocol grpc-web gives the same answers, and server errors as one line', T, async () => {
    for (const [sub, ...args] of [['top', '--query', '{service_name="goapp"}', '--output', 'json'],
      ['labels', '--output', 'json'], ['series', '--output', 'json'],
      ['flamegraph', '--query', '{service_name="foldy"}', '--format', 'folded']]) {
      const [connect, web] = await Promise.all([query(sub, ...args), query(sub, ...args, '--protocol', 'grpc-web')]);
      assert.equal(web.code, 0, web.stderr);
      assert.equal(web.stdout, connect.stdout, sub);
    }
    for (const protocol of ['connect', 'grpc-web']) {
      const bad = await query('top', '--query', '{service_name=', '--protocol', protocol);
      assert.equal(bad.code, 1, protocol);
      assert.match(bad.stderr, /^flamectl: SelectMergeStacktraces: 1:15: parse error[^\n]*\n$/, `${protocol}: ${bad.stderr}`);
      const other = await flamectl(['query', 'top', '--url', srv.baseUrl, '--tenant-id', 'team-b', '--protocol', protocol]);
      assert.equal(other.code, 0, other.stderr);
      assert.equal(other.stdout.trim().split('\n').length, 1, `team-b sees nothing: ${other.stdout}`);
      const none = await flamectl(['query', 'labels', '--url', srv.baseUrl, '--protocol', protocol]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^flamectl: LabelNames: .*org id/i, none.stderr);
    }
  });

  test('the common flags reach the server as profilecli sends them', T, async () => {
    const proxy = await recordingProxy(srv.baseUrl);
    try {
      const basic = await flamectl(['query', 'labels', '--url', proxy.url, '--tenant-id', TENANT, '--username', 'u', '--password', 'p']);
      const bearer = await flamectl(['query', 'series', '--url', `${proxy.url}/`, '--tenant-id', TENANT, '--token', 'tok', '--protocol', 'grpc-web']);
      assert.equal(basic.code, 0, basic.stderr);
      assert.equal(bearer.code, 0, bearer.stderr);
      const first = proxy.records[0];
      assert.equal(first.url, '/querier.v1.QuerierService/LabelNames');
      assert.equal(first.headers['x-scope-orgid'], TENANT);
      assert.equal(first.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
      assert.equal(first.headers['content-type'], 'application/proto');
      assert.match(first.headers['user-agent'], /^flamectl\//);
      const last = proxy.records.at(-1);
      assert.equal(last.url, '/querier.v1.QuerierService/Series');
      assert.equal(last.headers.authorization, 'Bearer tok');
      assert.equal(last.headers['content-type'], 'application/grpc-web+proto');
      assert.equal(last.body[0], 0, 'one uncompressed message frame');
      assert.equal(last.body.readUInt32BE(1), last.body.length - 5);
    } finally {
      await proxy.close();
    }
  });

  test("the server's gRPC-Web answers connect-node's gRPC-Web transport as its Connect one", T, async () => {
    const pb = await loadProtos(['querier/v1/querier.proto']);
    const service = pb['querier/v1/querier.proto'].QuerierService;
    const headers = { headers: { 'X-Scope-OrgID': TENANT } };
    const web = createClient(service, createGrpcWebTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1' }));
    const connect = createClient(service, createConnectTransport({ baseUrl: srv.baseUrl, httpVersion: '1.1' }));
    const req = { matchers: ['{service_name="goapp"}'], start: BigInt(FROM), end: BigInt(TO) };
    const [a, b] = await Promise.all([web.labelNames(req, headers), connect.labelNames(req, headers)]);
    assert.deepEqual(a.names, b.names);
    assert.ok(a.names.includes('env'));
    await assert.rejects(web.labelNames({ matchers: ['{oops'] }, headers), (err) => {
      assert.equal(err.code, 3, 'invalid_argument through the trailer');
      assert.match(err.rawMessage, /selector|parse/i);
      return true;
    });
  });

  test('upload and query mistakes: exit 2 for usage, 1 for failures, one line each', T, async () => {
    const usage = [
      ['upload'],
      ['upload', '--label', 'novalue', 'x'],
      ['upload', '--format', 'jfr', 'x'],
      ['upload', '--sample-rate', '0', 'x'],
      ['query'],
      ['query', 'nosuch'],
      ['query', 'top', '--protocol', 'grpc'],
      ['query', 'top', '--from', 'yesterday-ish'],
      ['query', 'top', '--from', 'now', '--to', 'now-1h'],
      ['query', 'top', '--limit', '-3'],
      ['query', 'top', '--output', 'xml'],
      ['query', 'label-values'],
      ['query', 'flamegraph', '--format', 'svg'],
      ['query', 'top', '--password', 'x'],
    ];
    for (const args of usage) {
      const r = await flamectl(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^flamectl: [^\n]+\n$/, args.join(' '));
    }
    const missing = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT, path.join(dir, 'nope.pb.gz')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.pb\.gz: cannot open the file/);
    const junk = path.join(dir, 'junk.pb');
    writeFileSync(junk, Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x00]));
    const two = await flamectl(['upload', '--url', srv.baseUrl, '--tenant-id', TENANT, junk, path.join(dir, 'stacks.folded')]);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /junk\.pb: not a pprof profile/);
    assert.match(two.stderr, /\[2\/2\] .*stacks\.folded: process_cpu/);
    assert.match(two.stderr, /flamectl: 1 of 2 files failed/);
    const down = await flamectl(['query', 'top', '--url', 'http://127.0.0.1:1']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^flamectl: SelectMergeStacktraces: cannot connect to http:\/\/127\.0\.0\.1:1/);
  });

  test('--help on upload, query and every query subcommand, with examples', T, async () => {
    for (const args of [['upload'], ['query'], ...['profile', 'flamegraph', 'top', 'series', 'labels', 'label-values', 'diff'].map((s) => ['query', s])]) {
      const r = await flamectl([...args, '--help']);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^flamectl /, args.join(' '));
      assert.match(r.stdout, /Example/, args.join(' '));
    }
  });
});
