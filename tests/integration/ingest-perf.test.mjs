// Linux perf as an ingest client: `perf record -g` of a small CPU-bound C program
// (fixtures/perf-burn.c, compiled here with cc), folded by `perf script report stackcollapse`,
// posted to /ingest?name=perfapp.cpu&sampleRate=99. The stored CPU total must be
// sum(counts) × floor(1e9 / 99) ns.
//
// Needs Debian's linux-perf (scripts/setup installs it) and permission to open a perf event
// (root, or kernel.perf_event_paranoid low enough). Without them this test fails and says why:
// it does not skip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';

import { assertAccepted, foldedSum, getIngested, ingest } from './lib/ingest.mjs';
import { integrationDir } from './lib/paths.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const SAMPLE_RATE = 99;
const PERIOD_NS = BigInt(Math.floor(1e9 / SAMPLE_RATE)); // 10,101,010
const BURN_SECONDS = process.env.FLAMEDB_PERF_SECONDS ?? '1.5';

async function run(cmd, args, opts = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { maxBuffer: 64 << 20, timeout: 60_000, ...opts });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err.code === 'ENOENT') return { code: 'ENOENT', stdout: '', stderr: `${cmd}: not found` };
    return { code: err.code ?? err.signal, stdout: err.stdout ?? '', stderr: err.stderr ?? err.message };
  }
}

function paranoid() {
  try { return readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim(); } catch { return 'unknown'; }
}

describe('perf record → perf script stackcollapse → /ingest', { timeout: 120_000 }, () => {
  let srv;
  let dir;
  let folded;
  let sampleCount;

  before(async () => {
    dir = await makeTempDir('flamedb-perf-');
    const version = await run('perf', ['--version']);
    assert.equal(version.code, 0,
      `perf is not usable (${version.stderr.trim()}): install Debian's linux-perf (scripts/setup lists it in DEBIAN_PACKAGES)`);
    const bin = path.join(dir, 'perf-burn');
    const cc = await run('cc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', bin,
      path.join(integrationDir, 'fixtures', 'perf-burn.c')]);
    assert.equal(cc.code, 0, `cc failed to build fixtures/perf-burn.c: ${cc.stderr}`);
    const data = path.join(dir, 'perf.data'); // the default name: stackcollapse reads it from cwd
    const rec = await run('perf', ['record', '-e', 'cpu-clock', '-F', String(SAMPLE_RATE), '-g', '-o', data, '--', bin, BURN_SECONDS]);
    if (rec.code !== 0) {
      const denied = /paranoid|permission|not permitted|EACCES|EPERM/i.test(rec.stderr);
      assert.fail(`perf record failed${denied ? ' because this machine does not permit perf events' : ''} ` +
        `(kernel.perf_event_paranoid=${paranoid()}, uid ${process.getuid?.()}): ${rec.stderr.trim().slice(0, 2000)}`);
    }
    // `perf script report <script>` reads ./perf.data (an -i before `report` is not passed on).
    const collapse = await run('perf', ['script', 'report', 'stackcollapse'], { cwd: dir });
    assert.equal(collapse.code, 0, `perf script report stackcollapse failed: ${collapse.stderr.slice(0, 2000)}`);
    folded = collapse.stdout;
    // Independent count of the samples: one header line per sample in plain `perf script`.
    const script = await run('perf', ['script', '-i', data, '-F', 'comm,tid,time,event']);
    assert.equal(script.code, 0, `perf script failed: ${script.stderr.slice(0, 2000)}`);
    sampleCount = script.stdout.split('\n').filter((l) => /cpu-clock/.test(l)).length;
    srv = await startServer();
  });
  after(async () => { await srv?.stop(); });

  test('the folded output has the program\'s stacks and one count per recorded sample', () => {
    assert.match(folded, /^perf-burn;.*main;burn_loop;middle_[ab];leaf_mix \d+$/m, `folded stacks:\n${folded.slice(0, 2000)}`);
    const sum = foldedSum(folded);
    assert.equal(sum, BigInt(sampleCount), `stackcollapse counts sum to ${sum}, perf script shows ${sampleCount} samples`);
    assert.ok(sampleCount >= 50, `only ${sampleCount} samples at ${SAMPLE_RATE} Hz over ${BURN_SECONDS} s`);
  });

  test(`POST /ingest?name=perfapp.cpu&sampleRate=${SAMPLE_RATE}: stored total = sum(counts) × floor(1e9/${SAMPLE_RATE})`, async () => {
    const res = await ingest(srv.baseUrl, { name: 'perfapp.cpu', sampleRate: String(SAMPLE_RATE), spyName: 'perf_script' }, folded,
      { contentType: 'text/plain' });
    assertAccepted(res, 'folded perf output');
    const ing = await getIngested(srv.baseUrl);
    const series = ing.series.filter((s) => s.labels.service_name === 'perfapp');
    assert.deepEqual(series.map((s) => s.labels), [{ __name__: 'process_cpu', pyroscope_spy: 'perf_script', service_name: 'perfapp' }]);
    assert.deepEqual(series[0].totals, { 'process_cpu:cpu:nanoseconds:cpu:nanoseconds': foldedSum(folded) * PERIOD_NS },
      `${foldedSum(folded)} samples × ${PERIOD_NS} ns`);
  });
});
