// Opens flamedb's UI on one selection in headless Chromium, saves a screenshot and prints the
// widest frames the flame graph drew (its accessible list), for bench/profile-server.
//
//   node bench/ui-shot.mjs URL QUERY FROM UNTIL PNG
//
// Uses playwright-core from tests/integration (scripts/setup installs it) and /usr/bin/chromium.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/integration/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [url, query, from, until, png] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.FLAMEDB_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const params = new URLSearchParams({ query, from, until });
  await page.goto(`${url}/?${params}`);
  const total = page.locator('[data-testid="main-total"]');
  await total.waitFor({ timeout: 30_000 });
  await page.screenshot({ path: png, fullPage: true });
  const frames = await page.locator('[data-testid="main-flamegraph-frames"] li').evaluateAll((lis) =>
    lis.slice(0, 12).map((li) => `${li.dataset.total}\t${li.dataset.name}`));
  console.log(`UI total ${await total.getAttribute('data-total')}; widest frames:\n${frames.join('\n')}`);
} finally {
  await browser.close();
}
