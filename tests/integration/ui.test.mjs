// The built-in web UI in headless Chromium (Debian's chromium, driven by playwright-core) against
// the real binary, filled with two real Go runtime/pprof CPU profiles (env=prod and env=dev)
// through flamectl. Each view is checked against Google's pprof of the same files; screenshots of
// every view are kept in <build dir>/ui-screenshots/.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { goPprofTop, runGoTool } from './lib/gotools.mjs';
import { connectUnary } from './lib/http.mjs';
import { flamedbBin, integrationDir } from './lib/paths.mjs';
import { makeTempDir, removeTempDir, startServer } from './lib/server.mjs';

const execFileAsync = promisify(execFile);
const FLAMECTL = path.join(path.dirname(flamedbBin), 'flamectl');
const CHROMIUM = process.env.FLAMEDB_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(path.dirname(path.dirname(flamedbBin)), 'ui-screenshots');
const T = { timeout: 90_000 };
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const q = (selector) => encodeURIComponent(`${CPU}${selector}`);

/** The widest frames the flame graph `testId` drew (its accessible list): [{ name, total }]. */
async function frames(page, testId) {
  return page.locator(`[data-testid="${testId}-frames"] li`).evaluateAll((lis) =>
    lis.map((li) => ({ name: li.dataset.name, total: Number(li.dataset.total) })));
}

/** The merged total a selection panel shows, once it has loaded. */
async function panelTotal(page, testId) {
  const el = page.locator(`[data-testid="${testId}-total"]`);
  await el.waitFor({ timeout: 20_000 });
  return Number(await el.getAttribute('data-total'));
}

const sum = (rows) => [...rows.values()].reduce((s, r) => s + r.flat, 0n);

describe('web UI in Chromium', () => {
  let srv;
  let dir;
  let browser;
  let page;
  let prod;
  let dev;
  let both;
  /** Self per function name in the API's flame graph of `selector` (CPU, the last hour). */
  const apiSelfByName = async (selector) => {
    const now = Date.now();
    const res = await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', JSON.stringify({
      profileTypeID: CPU, labelSelector: selector, start: String(now - 3_600_000), end: String(now + 60_000),
      maxNodes: '8192', format: 'PROFILE_FORMAT_FLAMEGRAPH' }));
    const fg = JSON.parse(res.text).flamegraph;
    const out = new Map();
    fg.levels.forEach((l, d) => {
      const v = (l.values ?? []).map(Number);
      for (let i = 0; d > 0 && i < v.length; i += 4) out.set(fg.names[v[i + 3]], (out.get(fg.names[v[i + 3]]) ?? 0) + v[i + 2]);
    });
    return out;
  };
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    mkdirSync(SHOTS, { recursive: true });
    dir = await makeTempDir('flamedb-ui-');
    const gens = await Promise.all(['prod', 'dev'].map((env) =>
      runGoTool('profilegen', ['-out', path.join(dir, env), '-seconds', '1'], { timeoutMs: 60_000 })));
    gens.forEach((g) => assert.equal(g.code, 0, g.stderr));
    srv = await startServer(['-storage.min-free-disk-mb=0']);
    for (const env of ['prod', 'dev']) {
      await execFileAsync(FLAMECTL, ['upload', '--url', srv.baseUrl, '--service-name', 'goapp', '--label', `env=${env}`,
        path.join(dir, env, 'cpu.pb.gz'), path.join(dir, env, 'heap.pb.gz')]);
    }
    // The real Pyroscope Node.js SDK profiles a small program and uploads to the server.
    const nodeApp = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(integrationDir, 'fixtures', 'node-sdk-app.mjs')], {
        cwd: integrationDir, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PYROSCOPE_SERVER_ADDRESS: srv.baseUrl, APP_NAME: 'node-ui-app', RUN_MS: '4000', FLUSH_MS: '2000' },
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(nodeApp.code, 0, nodeApp.out.slice(-2000));
    [prod, dev, both] = await Promise.all([
      goPprofTop(path.join(dir, 'prod', 'cpu.pb.gz')),
      goPprofTop(path.join(dir, 'dev', 'cpu.pb.gz')),
      goPprofTop(path.join(dir, 'prod', 'cpu.pb.gz'), [path.join(dir, 'dev', 'cpu.pb.gz')]),
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => { throw err; });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    removeTempDir(dir);
  });

  test('single view: widest frame, table and total are what pprof says of the two files', T, async () => {
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    assert.equal(BigInt(await panelTotal(page, 'main')), sum(both.rows));
    const [widest] = await frames(page, 'main-flamegraph');
    const topByCum = [...both.rows.entries()].sort((a, b) => Number(b[1].cum - a[1].cum))[0];
    assert.equal(widest.name, topByCum[0]);
    assert.equal(BigInt(widest.total), topByCum[1].cum);

    const rows = await page.locator('[data-testid="top-table"] tbody tr').evaluateAll((trs) => trs.slice(0, 15).map((tr) => ({
      name: tr.querySelector('.name').textContent, self: Number(tr.children[1].dataset.value), total: Number(tr.children[2].dataset.value),
    })));
    assert.equal(rows.length, 15);
    for (const r of rows) {
      assert.equal(BigInt(r.self), both.rows.get(r.name).flat, r.name);
      assert.equal(BigInt(r.total), both.rows.get(r.name).cum, r.name);
    }
    assert.deepEqual(rows.map((r) => r.self), rows.map((r) => r.self).sort((a, b) => b - a), 'sorted by self');
    await page.locator('[data-testid="top-table"] th button', { hasText: 'Total' }).click();
    const firstByTotal = await page.locator('[data-testid="top-table"] tbody tr .name').first().textContent();
    assert.equal(firstByTotal, topByCum[0]);
    assert.ok(await page.locator('[data-testid="service-picker"] option', { hasText: 'goapp' }).count() === 1);
    assert.ok(await page.locator('[data-testid="type-picker"] option', { hasText: 'memory:inuse_space:bytes:space:bytes' }).count() === 1);
    await shot('single-view');
  });

  test('single view of the Node SDK\'s wall profiles: total, widest frame and table equal the API', T, async () => {
    const api = async (method, body) => JSON.parse((await connectUnary(srv.baseUrl, `/querier.v1.QuerierService/${method}`, JSON.stringify(body))).text);
    const now = Date.now();
    const types = await api('ProfileTypes', { start: String(now - 3_600_000), end: String(now) });
    const wall = types.profileTypes.map((t) => t.ID).find((id) => id.startsWith('wall:wall:'));
    assert.ok(wall, JSON.stringify(types));
    const sel = '{service_name="node-ui-app"}';
    await page.goto(`${srv.baseUrl}/?query=${encodeURIComponent(wall + sel)}&from=now-1h&until=now`);
    const total = await panelTotal(page, 'main');
    const fg = (await api('SelectMergeStacktraces', { profileTypeID: wall, labelSelector: sel, start: String(now - 3_600_000),
      end: String(Date.now() + 60_000), maxNodes: '8192', format: 'PROFILE_FORMAT_FLAMEGRAPH' })).flamegraph;
    assert.equal(total, Number(fg.total));
    const selfByName = new Map();
    const depth1 = [];
    fg.levels.forEach((l, d) => {
      const v = (l.values ?? []).map(Number);
      for (let i = 0; i < v.length; i += 4) {
        if (d > 0) selfByName.set(fg.names[v[i + 3]], (selfByName.get(fg.names[v[i + 3]]) ?? 0) + v[i + 2]);
        if (d === 1) depth1.push({ name: fg.names[v[i + 3]], total: v[i + 1] });
      }
    });
    const [widest] = await frames(page, 'main-flamegraph');
    depth1.sort((a, b) => b.total - a.total);
    assert.deepEqual(widest, depth1[0], 'the widest frame is the widest child of the root');
    const rows = await page.locator('[data-testid="top-table"] tbody tr').evaluateAll((trs) => trs.slice(0, 10).map((tr) => [
      tr.querySelector('.name').textContent, Number(tr.children[1].dataset.value)]));
    assert.ok(rows.length >= 3, 'the Node profile has functions');
    for (const [name, self] of rows) assert.equal(self, selfByName.get(name), name);
    await shot('single-view-node-sdk');
  });

  test('the label filter narrows the data to one profile', T, async () => {
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    const filter = page.locator('[data-testid="main-controls-filter"]');
    await filter.getByLabel('label name').selectOption('env');
    await filter.getByLabel('label value').fill('dev');
    await filter.getByRole('button', { name: 'Add' }).click();
    await page.waitForURL(/env%3D%22dev%22/);
    await page.waitForFunction((want) => document.querySelector('[data-testid="main-total"]')?.dataset.total === want,
      String(sum(dev.rows)));
    assert.match(await filter.locator('.chip').textContent(), /env="dev"/);
    await shot('label-filter');

    // Dragging across the timeline zooms into that part of the range: from/until become its ends.
    const svg = page.locator('[data-testid="main-timeline"] svg');
    const b = await svg.boundingBox();
    const before = Date.now();
    await page.mouse.move(b.x + b.width * 0.5, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.75, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL((u) => /^\d{13}$/.test(u.searchParams.get('from') ?? ''));
    const u = new URL(page.url());
    const [from, until] = [Number(u.searchParams.get('from')), Number(u.searchParams.get('until'))];
    const span = until - from;
    assert.ok(span > 0.2 * 3_600_000 && span < 0.3 * 3_600_000, `a quarter of the hour: ${span} ms`);
    assert.ok(Math.abs(from - (before - 1_800_000)) < 120_000, `from is the middle of the hour: ${new Date(from).toISOString()}`);
    assert.match(u.search, /env%3D%22dev%22/, 'the filter stays');
  });

  test('search, focus and sandwich live in the URL; a copied link restores them', T, async () => {
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    await page.getByLabel('search frames').fill('fib');
    const names = await page.locator('[data-testid="top-table"] tbody tr .name').allTextContents();
    assert.ok(names.length > 0 && names.every((n) => n.toLowerCase().includes('fib')), names.join(', '));
    const canvas = page.locator('[data-testid="main-flamegraph"] canvas');
    const box = await canvas.boundingBox();
    const [widest] = await frames(page, 'main-flamegraph');
    await canvas.click({ position: { x: box.width * 0.3, y: 18 + 9 } }); // Depth 1: the widest child of the root.
    await page.waitForURL(/focus=/);
    assert.equal(new URL(page.url()).searchParams.get('focus'), widest.name);
    assert.ok(await page.getByRole('button', { name: 'Reset focus' }).isVisible());
    await page.locator('[data-testid="top-table"] tbody tr', { hasText: 'main.fib' }).first().click();
    await page.locator('[data-testid="sandwich"]').waitFor();
    const callers = await frames(page, 'sandwich-callers');
    assert.ok(callers.some((f) => f.name === 'main.fibWork'), JSON.stringify(callers));
    await shot('sandwich');

    const link = page.url();
    const again = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await again.goto(link);
    await again.locator('[data-testid="sandwich"]').waitFor();
    assert.equal(await again.getByLabel('search frames').inputValue(), 'fib');
    assert.match(await again.locator('.sandwich-head b').textContent(), /main\.fib/);
    await again.close();
    await page.goto(link.replace(/&sandwich=[^&]*/, ''));
    await page.getByRole('button', { name: 'Reset focus' }).waitFor();
    const focused = await frames(page, 'main-flamegraph');
    assert.equal(focused[0].name, widest.name, 'the focused frame fills the width');
  });

  test('comparison: two selections side by side, each its own profile', T, async () => {
    await page.goto(`${srv.baseUrl}/comparison?query=${q('{service_name="goapp"}')}`
      + `&leftquery=${q('{service_name="goapp", env="prod"}')}&leftfrom=now-1h&leftuntil=now`
      + `&rightquery=${q('{service_name="goapp", env="dev"}')}&rightfrom=now-2h&rightuntil=now`);
    assert.equal(BigInt(await panelTotal(page, 'left')), sum(prod.rows));
    assert.equal(BigInt(await panelTotal(page, 'right')), sum(dev.rows));
    assert.ok((await frames(page, 'left-flamegraph')).length > 0);
    assert.ok((await frames(page, 'right-flamegraph')).length > 0);
    await shot('comparison');
  });

  test('diff: one flame graph of both sides with a legend; the table has each side', T, async () => {
    await page.goto(`${srv.baseUrl}/diff?query=${q('{service_name="goapp"}')}`
      + `&leftquery=${q('{service_name="goapp", env="prod"}')}&leftfrom=now-1h&leftuntil=now`
      + `&rightquery=${q('{service_name="goapp", env="dev"}')}&rightfrom=now-1h&rightuntil=now`);
    const ticks = page.locator('[data-testid="diff-ticks"]');
    await ticks.waitFor();
    assert.equal(BigInt(await ticks.getAttribute('data-left')), sum(prod.rows));
    assert.equal(BigInt(await ticks.getAttribute('data-right')), sum(dev.rows));
    const rows = await page.locator('[data-testid="diff-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ name: tr.dataset.name, left: Number(tr.dataset.left), right: Number(tr.dataset.right) })));
    assert.ok(rows.length >= 10);
    // Each side's self per function is what the API's own flame graph of that side says.
    const [left, right] = await Promise.all(['prod', 'dev'].map((env) => apiSelfByName(`{service_name="goapp", env="${env}"}`)));
    for (const r of rows) {
      assert.equal(r.left, left.get(r.name) ?? 0, r.name);
      assert.equal(r.right, right.get(r.name) ?? 0, r.name);
    }
    assert.ok(await page.locator('[data-testid="diff-legend"] .swatch').count() >= 5);
    const [widest] = await frames(page, 'diff-flamegraph');
    assert.equal(BigInt(widest.total), prod.rows.get(widest.name).cum + dev.rows.get(widest.name).cum);
    await shot('diff');
  });

  test('tag explorer: the values of a label with their totals; a value opens the single view', T, async () => {
    await page.goto(`${srv.baseUrl}/tag-explorer?query=${q('{service_name="goapp"}')}&from=now-1h&until=now&groupBy=env`);
    const table = page.locator('[data-testid="tag-table"]');
    await table.locator('tbody tr').first().waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.value, Number(tr.dataset.total)]));
    assert.deepEqual(new Map(rows), new Map([['prod', Number(sum(prod.rows))], ['dev', Number(sum(dev.rows))]]));
    await shot('tag-explorer');
    await table.locator('tbody tr[data-value="dev"]').click();
    await page.waitForURL((u) => u.pathname === '/' && u.search.includes('env%3D%22dev%22'));
    assert.equal(BigInt(await panelTotal(page, 'main')), sum(dev.rows));
  });

  test('upload: a pprof or folded file is shown without being stored', T, async () => {
    await page.goto(`${srv.baseUrl}/upload`);
    await page.getByLabel('profile file').setInputFiles(path.join(dir, 'prod', 'cpu.pb.gz'));
    const total = page.locator('[data-testid="upload-total"]');
    await total.waitFor();
    assert.equal(BigInt(await total.getAttribute('data-total')), sum(prod.rows));
    const [widest] = await frames(page, 'upload-flamegraph');
    const topByCum = [...prod.rows.entries()].sort((a, b) => Number(b[1].cum - a[1].cum))[0];
    assert.equal(widest.name, topByCum[0]);
    await shot('upload');
    await page.getByLabel('profile file').setInputFiles({ name: 'x.folded', mimeType: 'text/plain', buffer: Buffer.from('main;a 3\nmain;b 1\n') });
    await page.waitForFunction(() => document.querySelector('[data-testid="upload-total"]')?.dataset.total === '4');
    await page.getByLabel('profile file').setInputFiles({ name: 'bad.pb', mimeType: 'application/octet-stream', buffer: Buffer.from([0x0a, 0x7f, 0x01]) });
    assert.match(await page.locator('[data-testid="error"]').textContent(), /bad\.pb: .*truncated/);
  });

  test('export: pprof that go tool pprof reads, flamebearer JSON and PNG', T, async () => {
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    const save = async (button) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('.exports button', { hasText: button }).click()]);
      const file = path.join(dir, dl.suggestedFilename());
      await dl.saveAs(file);
      return file;
    };
    const pprofFile = await save('pprof');
    assert.deepEqual((await goPprofTop(pprofFile)).rows, both.rows);
    const fb = JSON.parse(readFileSync(await save('flamebearer JSON'), 'utf8'));
    assert.equal(BigInt(fb.flamebearer.numTicks), sum(both.rows));
    assert.equal(fb.metadata.format, 'single');
    const png = readFileSync(await save('PNG'));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  test('errors are shown in words; the dark theme applies', T, async () => {
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}&from=yesterday&until=now`);
    const alert = page.locator('[data-testid="error"]').first();
    await alert.waitFor();
    assert.match(await alert.textContent(), /"yesterday" is not a time/);
    await page.goto(`${srv.baseUrl}/?query=${encodeURIComponent('nosuch:type:x:y:z{service_name="goapp"}')}`);
    await page.locator('[data-testid="error"]', { hasText: 'unknown profile type "nosuch:type:x:y:z"' }).waitFor();
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="nobody"}')}`);
    assert.match(await page.locator('[data-testid="main-empty"]').textContent(), /No profiles match/);
    await page.getByLabel('toggle theme').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}`);
    await panelTotal(page, 'main');
    await shot('single-view-dark');
    await page.getByLabel('toggle theme').click();
  });
});
