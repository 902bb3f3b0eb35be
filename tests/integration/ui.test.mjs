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
import { encodeRequest, OTLP_HTTP_PATH, smallRequest, SPAN_A } from './lib/otlp.mjs';
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
    // An OpenTelemetry profile whose samples link to a span of a trace (the OTLP link table).
    const otlp = await fetch(`${srv.baseUrl}${OTLP_HTTP_PATH}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' },
      body: encodeRequest(smallRequest({ service: 'traced-app' }).req),
    });
    assert.equal(otlp.status, 200, await otlp.text());
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
    // Only goapp's own types, in words and grouped by kind.
    const options = await page.locator('[data-testid="type-picker"] option').evaluateAll((os) =>
      os.map((o) => ({ id: o.value, text: o.textContent, group: o.parentElement.label })));
    assert.deepEqual(options.find((o) => o.id === 'memory:inuse_space:bytes:space:bytes'), { id: 'memory:inuse_space:bytes:space:bytes', text: 'In-use bytes', group: 'In-use memory' });
    assert.deepEqual(options.find((o) => o.id === CPU), { id: CPU, text: 'CPU time', group: 'CPU' });
    assert.ok(!options.some((o) => o.id.startsWith('wall:')), `the Node service's wall type is not goapp's: ${JSON.stringify(options)}`);
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
    const plot = page.locator('[data-testid="main-timeline"] .u-over');
    const b = await plot.boundingBox();
    const before = Date.now();
    await page.mouse.move(b.x + b.width * 0.5, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.75, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
    // The range inputs then read as dates and times, not epoch milliseconds.
    await page.waitForURL((u) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(u.searchParams.get('from') ?? ''));
    const u = new URL(page.url());
    const [from, until] = [Date.parse(u.searchParams.get('from')), Date.parse(u.searchParams.get('until'))];
    assert.match(await page.locator('[data-testid="main-controls-time"] input[aria-label="from"]').inputValue(), /^\d{4}-\d\d-\d\dT/);
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

  test('labels breakdown: a panel per value whose total is SelectSeries grouped by that label; a panel opens its flame graph, two picked open their diff', T, async () => {
    await page.goto(`${srv.baseUrl}/tag-explorer?query=${q('{service_name="goapp"}')}&from=now-1h&until=now&groupBy=env`);
    const panels = page.locator('[data-testid="label-panels"] .panel');
    await panels.first().waitFor();
    const shown = await panels.evaluateAll((ps) => ps.map((p) => [p.dataset.value, Number(p.dataset.total)]));
    const now = Date.now();
    const res = JSON.parse((await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectSeries', JSON.stringify({
      profileTypeID: CPU, labelSelector: '{service_name="goapp"}', start: String(now - 3_600_000), end: String(now + 30_000),
      step: 30, groupBy: ['env'] }))).text);
    const api = new Map(res.series.map((x) => [x.labels.find((l) => l.name === 'env').value, x.points.reduce((t, p) => t + p.value, 0)]));
    assert.deepEqual(new Map(shown), api);
    assert.deepEqual(new Map(shown), new Map([['prod', Number(sum(prod.rows))], ['dev', Number(sum(dev.rows))]]));
    assert.deepEqual(shown.map(([, t]) => t), shown.map(([, t]) => t).sort((a, b) => b - a), 'largest first');
    await shot('labels-breakdown');
    await page.locator('.panel[data-value="dev"] .panel-title').click();
    await page.waitForURL((u) => u.pathname === '/explore' && u.search.includes('env%3D%22dev%22'));
    assert.equal(BigInt(await panelTotal(page, 'main')), sum(dev.rows));
    await page.goBack();
    await page.locator('.panel[data-value="prod"] input[type="checkbox"]').click();
    await page.locator('.panel[data-value="dev"] input[type="checkbox"]').click();
    await page.waitForURL((u) => u.pathname === '/diff');
    const ticks = page.locator('[data-testid="diff-ticks"]');
    await ticks.waitFor();
    assert.equal(BigInt(await ticks.getAttribute('data-left')), sum(prod.rows));
    assert.equal(BigInt(await ticks.getAttribute('data-right')), sum(dev.rows));
  });

  test('upload: files are read by the server whatever their format, kept, listed and reopened by their link; bad files say what is wrong', T, async () => {
    await page.goto(`${srv.baseUrl}/upload`);
    await page.getByLabel('profile file').setInputFiles(path.join(dir, 'prod', 'cpu.pb.gz'));
    const total = page.locator('[data-testid="upload-total"]');
    await total.waitFor();
    assert.equal(BigInt(await total.getAttribute('data-total')), sum(prod.rows));
    const [widest] = await frames(page, 'upload-flamegraph');
    const topByCum = [...prod.rows.entries()].sort((a, b) => Number(b[1].cum - a[1].cum))[0];
    assert.equal(widest.name, topByCum[0]);
    await page.waitForURL(/\/upload\?id=/);
    const link = page.url();
    await shot('upload');
    // A folded file whose first line is far longer than 4 KiB.
    const long = `main;${'x'.repeat(9000)} 3\nmain;b 1\n`;
    await page.getByLabel('profile file').setInputFiles({ name: 'long.folded', mimeType: 'text/plain', buffer: Buffer.from(long) });
    await page.waitForFunction(() => document.querySelector('[data-testid="upload-total"]')?.dataset.total === '4');
    for (const [name, bytes, message] of [
      ['bad.pb', Buffer.from([0x0a, 0x7f, 0x01]), /bad\.pb: .*not a pprof profile/],
      ['broken.gz', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]), /broken\.gz: .*not gzip/],
      ['notes.txt', Buffer.from('hello\nworld\n'), /notes\.txt: .*looks like folded text but is not.*line 1/],
    ]) {
      await page.getByLabel('profile file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
      await page.locator('[data-testid="error"]', { hasText: name }).waitFor();
      assert.match(await page.locator('[data-testid="error"]').first().textContent(), message);
    }
    const listed = await page.locator('[data-testid="upload-list"] li').evaluateAll((lis) => lis.map((li) => li.textContent));
    assert.equal(listed.length, 2, `only the good files are kept: ${listed}`);
    assert.match(listed[0], /long\.folded/);
    // The link reopens it in another page.
    const again = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await again.goto(link);
    await again.locator('[data-testid="upload-total"]').waitFor();
    assert.equal(BigInt(await again.locator('[data-testid="upload-total"]').getAttribute('data-total')), sum(prod.rows));
    // Diff of the two uploads: each side's total.
    await again.getByLabel('sample type').selectOption('samples');
    const other = await again.locator('[aria-label="compare with"] option', { hasText: 'long.folded' }).getAttribute('value');
    await again.getByLabel('compare with').selectOption(other);
    await again.locator('[data-testid="upload-diff"]').waitFor();
    assert.equal(Number(await again.locator('[data-testid="upload-diff"]').getAttribute('data-right')), 4);
    await again.close();
  });

  test('services overview: every service with a sparkline per profile type whose total is SelectSeries; favorites are kept; a click opens the service', T, async () => {
    const now = Date.now();
    const api = async (method, body) => JSON.parse((await connectUnary(srv.baseUrl, `/querier.v1.QuerierService/${method}`, JSON.stringify(body))).text);
    const range = { start: String(now - 3_600_000), end: String(now) };
    await page.goto(`${srv.baseUrl}/?from=now-1h&until=now`);
    const rows = page.locator('[data-testid="service-list"] .service-row');
    await rows.first().waitFor();
    const shown = await rows.evaluateAll((rs) => rs.map((r) => ({
      service: r.dataset.service,
      types: [...r.querySelectorAll('.type-spark')].map((b) => [b.dataset.type, Number(b.dataset.total)]),
    })));
    const services = (await api('LabelValues', { name: 'service_name', ...range })).names;
    assert.deepEqual(shown.map((r) => r.service).sort(), [...services].sort(), 'every service, once');
    for (const row of shown) {
      assert.ok(row.types.length > 0, row.service);
      for (const [type, total] of row.types) {
        const res = await api('SelectSeries', { profileTypeID: type, labelSelector: `{service_name="${row.service}"}`, ...range, end: String(now + 60_000), step: 60 });
        const want = (res.series ?? []).flatMap((x) => x.points).reduce((t, p) => t + p.value, 0);
        assert.equal(total, want, `${row.service} ${type}`);
      }
    }
    assert.ok(shown.find((r) => r.service === 'node-ui-app').types.every(([t]) => !t.startsWith('process_cpu')), 'the Node app has no process_cpu');
    await page.getByLabel('search services').fill('node');
    await page.waitForFunction(() => document.querySelectorAll('.service-row').length === 1);
    await page.getByLabel('search services').fill('');
    // A star moves the service first and is kept by the settings service across pages.
    await page.getByLabel('star node-ui-app').click();
    await page.waitForFunction(() => document.querySelector('.service-row')?.dataset.service === 'node-ui-app');
    await page.reload();
    await page.locator('.service-row').first().waitFor();
    assert.equal(await page.locator('.service-row').first().getAttribute('data-service'), 'node-ui-app');
    assert.equal(await page.getByLabel('unstar node-ui-app').getAttribute('aria-pressed'), 'true');
    await shot('overview');
    // The Node service opens on one of its own types, never process_cpu.
    await page.locator('.service-row[data-service="node-ui-app"] .service-name').click();
    await page.waitForURL((u) => u.pathname === '/explore');
    await page.waitForFunction(() => !new URL(location.href).searchParams.get('query').startsWith('process_cpu'));
    await panelTotal(page, 'main');
    const options = await page.locator('[data-testid="type-picker"] option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(options.length > 0 && options.every((o) => !o.startsWith('process_cpu')), options.join(', '));
    await page.getByLabel('unstar node-ui-app').count();
  });

  test('timeline: a y-axis in the profile\'s unit, a hover readout, and the time zone shown and switchable', T, async () => {
    await page.goto(`${srv.baseUrl}/explore?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    const timeline = page.locator('[data-testid="main-timeline"]');
    const yLabels = await timeline.getAttribute('data-yticks');
    assert.match(yLabels, /\d+(\.\d+)? ?(ms|s|µs|ns|min)/, `y-axis in time units: ${yLabels}`);
    const over = await timeline.locator('.u-over').boundingBox();
    await page.mouse.move(over.x + over.width * 0.99, over.y + over.height / 2);
    const readout = page.locator('[data-testid="main-timeline-readout"]');
    await page.waitForFunction(() => /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d · /.test(document.querySelector('[data-testid="main-timeline-readout"]').textContent));
    assert.match(await readout.textContent(), / · \d/);
    assert.equal(await page.getByTestId('zone-toggle').textContent(), 'UTC');
    await page.getByTestId('zone-toggle').click();
    assert.match(await page.getByTestId('zone-toggle').textContent(), /^UTC[+-]\d\d:\d\d$/);
    await page.getByTestId('zone-toggle').click();
  });

  test('heatmap: cell counts are the profiles of those buckets; a clicked exemplar opens the profile with that id', T, async () => {
    await page.goto(`${srv.baseUrl}/heatmap?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    const cells = page.locator('[data-testid="heatmap"] .heat-cell');
    await cells.first().waitFor();
    const shown = await cells.evaluateAll((cs) => cs.map((c) => [`${c.dataset.t}/${c.dataset.row}`, Number(c.dataset.count)]));
    const now = Date.now();
    const start = now - 3_600_000;
    const step = Math.max(10, Math.ceil(3_600_000 / 1000 / 100));
    const res = JSON.parse((await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectHeatmap', JSON.stringify({
      profileTypeID: CPU, labelSelector: '{service_name="goapp"}', start: String(start), end: String(now), step,
      queryType: 'HEATMAP_QUERY_TYPE_INDIVIDUAL' }))).text);
    const api = [];
    for (const slot of res.series[0].slots) slot.counts.forEach((c, row) => { if (c > 0) api.push([`${slot.timestamp}/${row}`, c]); });
    const count = (xs) => xs.reduce((t, [, c]) => t + c, 0);
    assert.equal(count(shown), 2, 'two profiles (prod and dev)');
    assert.equal(count(shown), count(api));
    assert.deepEqual(shown.map(([, c]) => c).sort(), api.map(([, c]) => c).sort());
    await shot('heatmap');
    await cells.first().click();
    const exemplar = page.getByTestId('exemplar');
    await exemplar.waitFor();
    const id = await exemplar.getAttribute('data-profile-id');
    await exemplar.click();
    const total = page.getByTestId('exemplar-total');
    await total.waitFor();
    const one = JSON.parse((await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', JSON.stringify({
      profileTypeID: CPU, labelSelector: '{}', start: String(now - 7_200_000), end: String(Date.now()), profileIdSelector: [id] }))).text);
    assert.equal(Number(await total.getAttribute('data-total')), Number(one.flamegraph.total));
    assert.equal(Number(await exemplar.getAttribute('data-value')), Number(one.flamegraph.total));
    assert.ok([sum(prod.rows), sum(dev.rows)].includes(BigInt(one.flamegraph.total)), 'one of the two profiles, alone');
  });

  test('heatmap of spans: a span\'s exemplar names its trace, opens every sample of the trace, and links to the tracing UI', T, async () => {
    const [traceId, spanId] = SPAN_A;
    await page.goto(`${srv.baseUrl}/heatmap?query=${q('{service_name="traced-app"}')}&from=now-1h&until=now`);
    await page.getByLabel('heatmap points').selectOption('spans');
    const cells = page.locator('[data-testid="heatmap"] .heat-cell');
    await cells.first().waitFor();
    assert.equal(await cells.count(), 1, 'one span');
    await cells.first().click();
    const exemplar = page.getByTestId('exemplar');
    await exemplar.waitFor();
    assert.match(await exemplar.textContent(), new RegExp(`span ${spanId} trace ${traceId}`));
    await exemplar.click();
    assert.equal(await page.getByTestId('exemplar-trace').textContent(), traceId);
    await page.getByTestId('open-trace').click();
    const total = page.getByTestId('trace-total');
    await total.waitFor();
    const now = Date.now();
    const api = JSON.parse((await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', JSON.stringify({
      profileTypeID: CPU, labelSelector: '{}', start: String(now - 3_600_000), end: String(now), traceIdSelector: [traceId] }))).text);
    assert.equal(Number(await total.getAttribute('data-total')), Number(api.flamegraph.total));
    assert.equal(Number(api.flamegraph.total), 5 * 10_000_000, 'the linked sample alone: 5 samples of 10 ms');
    // A trace link template is kept with the settings service and links this trace.
    assert.equal(await page.getByTestId('trace-link').count(), 0, 'no link before a template is set');
    await page.getByTestId('trace-link-template').fill('http://tempo.test/trace/{traceId}');
    await page.getByTestId('trace-link-template').press('Enter');
    assert.equal(await page.getByTestId('trace-link').getAttribute('href'), `http://tempo.test/trace/${traceId}`);
    await page.waitForFunction(async (base) => {
      const r = await fetch(`${base}/settings.v1.SettingsService/Get`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return JSON.stringify(await r.json()).includes('tempo.test');
    }, srv.baseUrl);
    await shot('heatmap-trace');
  });

  test('flame graph: the sandwich draws callers above the function; the keyboard moves, focuses and opens the sandwich', T, async () => {
    await page.goto(`${srv.baseUrl}/explore?query=${q('{service_name="goapp"}')}&from=now-1h&until=now&sandwich=main.fib`);
    await page.locator('[data-testid="sandwich"]').waitFor();
    const callers = page.locator('[data-testid="sandwich-callers-frames"]');
    const rootY = Number(await callers.getAttribute('data-root-y'));
    const ys = await callers.locator('li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.y)));
    assert.ok(ys.length > 0 && ys.every((y) => y < rootY), `callers ${ys} above main.fib at ${rootY}`);
    await shot('sandwich-inverted');

    await page.goto(`${srv.baseUrl}/explore?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    const [widest] = await frames(page, 'main-flamegraph');
    const canvas = page.locator('[data-testid="main-flamegraph"] canvas');
    await canvas.focus();
    await page.keyboard.press('ArrowDown');  // The cursor starts at the root...
    await page.keyboard.press('ArrowDown');  // ...and goes to its widest child.
    const selection = page.getByTestId('main-flamegraph-selection');
    assert.match(await selection.textContent(), new RegExp(widest.name.replace(/[.*()[\]]/g, '\\$&')));
    assert.ok(await page.locator('[data-testid="main-flamegraph"] .tooltip').isVisible(), 'the tooltip follows the cursor');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('focus') === widest.name);
    await page.keyboard.press('s');
    await page.waitForURL((u) => u.searchParams.get('sandwich') === widest.name);
    await page.locator('[data-testid="sandwich"]').waitFor();
    // Table rows are reached with Tab and opened with Enter.
    await page.goto(`${srv.baseUrl}/explore?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`);
    await panelTotal(page, 'main');
    const firstRow = page.locator('[data-testid="top-table"] tbody tr').first();
    const name = await firstRow.locator('.name').textContent();
    await firstRow.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('sandwich') === name);
  });

  test('a 400-frame stack renders in bounded height, and a deep focus shows a breadcrumb of its callers', T, async () => {
    const frames400 = Array.from({ length: 400 }, (_, i) => `deep.level${i}`).join(';');
    const now = Math.floor(Date.now() / 1000);
    const res = await fetch(`${srv.baseUrl}/ingest?name=deepapp&from=${now - 10}&until=${now}&format=folded`, { method: 'POST', body: `${frames400} 100\n` });
    assert.equal(res.status, 200, await res.text());
    const type = (await (await fetch(`${srv.baseUrl}/querier.v1.QuerierService/ProfileTypes`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ start: String(Date.now() - 3_600_000), end: String(Date.now()) }) })).json()).profileTypes.map((t) => t.ID)
      .find((id) => id.startsWith('process_cpu:cpu'));
    const focus = Array.from({ length: 300 }, (_, i) => `deep.level${i}`).join(';');
    await page.goto(`${srv.baseUrl}/explore?query=${encodeURIComponent(`${type}{service_name="deepapp"}`)}&from=now-1h&until=now&focus=${encodeURIComponent(focus)}`);
    await panelTotal(page, 'main');
    const crumb = page.getByTestId('main-flamegraph-breadcrumb');
    await crumb.waitFor();
    assert.equal(Number(await crumb.getAttribute('data-depth')), 300, 'the focused frame has 300 callers');
    assert.match(await crumb.textContent(), /^total › … 295 more › deep\.level295 › deep\.level296 › $/);
    const box = await page.locator('[data-testid="main-flamegraph"] .flame-scroll').boundingBox();
    assert.ok(box.height <= 900 * 0.7 + 1, `bounded: ${box.height}px`);
    await shot('deep-stack');
    await crumb.getByRole('button', { name: 'deep.level295' }).click();
    await page.waitForURL((u) => (u.searchParams.get('focus') ?? '').endsWith(';deep.level295'));
  });

  test('diff: each side has its own timeline; dragging on each changes that side\'s total to the API\'s for the new range', T, async () => {
    await page.goto(`${srv.baseUrl}/diff?leftquery=${q('{service_name="goapp", env="prod"}')}&leftfrom=now-1h&leftuntil=now`
      + `&rightquery=${q('{service_name="goapp", env="dev"}')}&rightfrom=now-1h&rightuntil=now`);
    const ticks = page.locator('[data-testid="diff-ticks"]');
    await ticks.waitFor();
    const apiTotal = async (selector, from, until) => {
      const r = JSON.parse((await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectMergeStacktraces', JSON.stringify({
        profileTypeID: CPU, labelSelector: selector, start: String(from), end: String(until) }))).text);
      return BigInt(r.flamegraph?.total ?? 0);
    };
    const drag = async (testId, a, b) => {
      // The chart is redrawn as its data arrives: wait for a settled one.
      await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.points > 0, testId);
      let over = null;
      for (let i = 0; i < 50 && !over; i++) over = await page.locator(`[data-testid="${testId}"] .u-over`).boundingBox().catch(() => null);
      await page.mouse.move(over.x + over.width * a, over.y + over.height / 2);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * b, over.y + over.height / 2, { steps: 5 });
      await page.mouse.up();
    };
    // Left: an early part of the window, without the profiles; right: the end, with them.
    await drag('diff-left-timeline', 0.02, 0.3);
    await page.waitForURL((u) => /^\d{4}-/.test(u.searchParams.get('leftfrom') ?? ''));
    await drag('diff-right-timeline', 0.7, 0.999);
    await page.waitForURL((u) => /^\d{4}-/.test(u.searchParams.get('rightfrom') ?? ''));
    const u = new URL(page.url());
    const [lf, lu, rf, ru] = ['leftfrom', 'leftuntil', 'rightfrom', 'rightuntil'].map((k) => Date.parse(u.searchParams.get(k)));
    const wantLeft = await apiTotal('{service_name="goapp", env="prod"}', lf, lu);
    const wantRight = await apiTotal('{service_name="goapp", env="dev"}', rf, ru);
    assert.equal(wantRight, sum(dev.rows), 'the right range holds the dev profile');
    await page.waitForFunction(([l, r]) => {
      const el = document.querySelector('[data-testid="diff-ticks"]');
      return el && el.dataset.left === l && el.dataset.right === r;
    }, [String(wantLeft), String(wantRight)]);
    await shot('diff-timelines');
    // The previous period preset: the baseline is the span just before the comparison.
    await page.getByRole('button', { name: 'previous period' }).click();
    await page.waitForURL((x) => Date.parse(x.searchParams.get('leftuntil')) === rf);
  });

  test('every view passes axe-core with no serious or critical violation, and is shot at two sizes in both themes', { timeout: 240_000 }, async () => {
    const views = [
      ['overview', '/?from=now-1h&until=now'],
      ['flamegraph', `/explore?query=${q('{service_name="goapp"}')}&from=now-1h&until=now`],
      ['comparison', `/comparison?query=${q('{service_name="goapp"}')}&leftquery=${q('{env="prod"}')}&rightquery=${q('{env="dev"}')}`],
      ['diff', `/diff?query=${q('{service_name="goapp"}')}&leftquery=${q('{env="prod"}')}&rightquery=${q('{env="dev"}')}`],
      ['labels', `/tag-explorer?query=${q('{service_name="goapp"}')}&groupBy=env`],
      ['heatmap', `/heatmap?query=${q('{service_name="goapp"}')}`],
      ['upload', '/upload'],
    ];
    const axe = path.join(integrationDir, 'node_modules', 'axe-core', 'axe.min.js');
    const failures = [];
    for (const [theme, size] of [['light', [1280, 800]], ['dark', [1920, 1080]], ['light', [1920, 1080]], ['dark', [1280, 800]]]) {
      const p = await browser.newPage({ viewport: { width: size[0], height: size[1] } });
      await p.addInitScript((t) => localStorage.setItem('flamedb-theme', t), theme);
      for (const [name, url] of views) {
        await p.goto(`${srv.baseUrl}${url}`);
        await p.waitForLoadState('networkidle');
        await p.waitForFunction(() => !document.querySelector('.loading'));
        await p.screenshot({ path: path.join(SHOTS, `${name}-${size[0]}x${size[1]}-${theme}.png`), fullPage: true });
        if (size[0] !== 1280) continue;
        await p.addScriptTag({ path: axe });
        const result = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
          failures.push(`${name} (${theme}): ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
        }
      }
      await p.close();
    }
    assert.deepEqual(failures, []);
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
    assert.match(await page.locator('[data-testid="main-timeline-empty"]').textContent(), /No data in this range/);
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.goto(`${srv.baseUrl}/?query=${q('{service_name="goapp"}')}`);
    await panelTotal(page, 'main');
    await shot('single-view-dark');
    await page.getByTestId('theme-toggle').click();
  });
});
