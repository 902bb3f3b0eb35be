// The UI's heavy views end to end, in headless Chromium against the real binary (issue #28's
// budgets): the services overview of SERVICES services drawn, and the heatmap of PODS pods over
// HOURS hours (a profile per pod every INTERVAL seconds) drawn; each timed from navigation to
// the last element on screen, RUNS times. Also the SelectHeatmap call alone, for the server's
// share.
//
//   node bench/ui-views.mjs [SERVICES=500] [PODS=100] [HOURS=24] [RUNS=5] [INTERVAL=60]
//
// Uses tests/integration's libraries and playwright-core (scripts/setup), /usr/bin/chromium,
// and build/bin/flamedb (FLAMEDB_BIN overrides).
import { createRequire } from 'node:module';

import { push } from '../tests/integration/lib/ingest.mjs';
import { cpuProfile, gzipProfile } from '../tests/integration/lib/pprof.mjs';
import { connectUnary } from '../tests/integration/lib/http.mjs';
import { makeTempDir, removeTempDir, startServer } from '../tests/integration/lib/server.mjs';

const require = createRequire(new URL('../tests/integration/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [SERVICES = 500, PODS = 100, HOURS = 24, RUNS = 5, INTERVAL = 60] = process.argv.slice(2).map(Number);
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const MINUTE = 60_000;

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms, min ${s[0].toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};

async function load(baseUrl) {
  const now = Date.now();
  let started = Date.now();
  for (let first = 0; first < SERVICES; first += 50) {
    const series = [];
    for (let i = first; i < Math.min(SERVICES, first + 50); i++) {
      const { profile } = cpuProfile({ counts: [1 + (i % 7), 3], timeNanos: BigInt(now - 5 * MINUTE) * 1_000_000n });
      series.push({ labels: { __name__: 'process_cpu', service_name: `service-${String(i).padStart(3, '0')}` },
        samples: [{ rawProfile: gzipProfile(profile) }] });
    }
    const res = await push(baseUrl, series);
    if (res.status !== 200) throw new Error(`push: ${res.status} ${res.text}`);
  }
  console.log(`${SERVICES} services pushed in ${Date.now() - started} ms`);
  started = Date.now();
  const perPod = Math.floor((HOURS * 3600) / INTERVAL);
  const batch = 1440;
  for (let pod = 0; pod < PODS; pod++) {
    for (let first = 0; first < perPod; first += batch) {
      const samples = [];
      for (let m = first; m < Math.min(perPod, first + batch); m++) {
        const { profile } = cpuProfile({ counts: [1 + ((pod * 31 + m) % 50), 1 + (m % 13)],
          timeNanos: BigInt(now - 60_000 - (perPod - m) * INTERVAL * 1000) * 1_000_000n });
        samples.push({ rawProfile: gzipProfile(profile) });
      }
      const res = await push(baseUrl, [{ labels: { __name__: 'process_cpu', service_name: 'heat', pod: `pod-${pod}` }, samples }], { timeoutMs: 120_000 });
      if (res.status !== 200) throw new Error(`push: ${res.status} ${res.text}`);
    }
  }
  console.log(`${PODS * perPod} heatmap profiles (${PODS} pods x ${HOURS} h, one per ${INTERVAL} s) pushed in ${Date.now() - started} ms`);
}

async function timeView(page, url, done, arg) {
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForFunction(done, arg, { timeout: 60_000, polling: 'raf' });
  return performance.now() - t0;
}

const dir = await makeTempDir('flamedb-ui-bench-');
const srv = await startServer(['-storage.min-free-disk-mb=0', '-validation.reject-older-than=0',
  '-distributor.ingestion-rate-limit-mb=10000', '-distributor.ingestion-burst-size-mb=10000',
  '-ingester.max-global-series-per-tenant=0'], { dataDir: dir });
const browser = await chromium.launch({ executablePath: process.env.FLAMEDB_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  await load(srv.baseUrl);
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const overview = [];
  const heatmap = [];
  const api = [];
  const range = `from=now-${HOURS}h&until=now`;
  const heatUrl = `${srv.baseUrl}/heatmap?query=${encodeURIComponent(`${CPU}{service_name="heat"}`)}&${range}`;
  for (let r = 0; r < RUNS; r++) {
    overview.push(await timeView(page, `${srv.baseUrl}/?from=now-1h&until=now`,
      (n) => document.querySelectorAll('.service-row .type-spark svg').length >= n, SERVICES));
    heatmap.push(await timeView(page, heatUrl, () => document.querySelectorAll('[data-testid="heatmap"] .heat-cell').length > 0));
    const t0 = performance.now();
    const res = await connectUnary(srv.baseUrl, '/querier.v1.QuerierService/SelectHeatmap', JSON.stringify({
      profileTypeID: CPU, labelSelector: '{service_name="heat"}', start: String(Date.now() - HOURS * 3_600_000),
      end: String(Date.now()), step: Math.max(10, Math.ceil(HOURS * 3600 / 100)), queryType: 'HEATMAP_QUERY_TYPE_INDIVIDUAL',
      exemplarType: 'EXEMPLAR_TYPE_INDIVIDUAL' }), { timeoutMs: 60_000 });
    api.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`SelectHeatmap: ${res.status} ${res.text}`);
  }
  console.log(`overview of ${SERVICES} services, drawn: ${stats(overview)}`);
  console.log(`heatmap of ${PODS} pods x ${HOURS} h, drawn: ${stats(heatmap)}`);
  console.log(`SelectHeatmap alone (JSON): ${stats(api)}`);
} finally {
  await browser.close();
  await srv.stop();
  removeTempDir(dir);
}
