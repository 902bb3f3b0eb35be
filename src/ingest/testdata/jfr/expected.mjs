// Writes the expected numbers of a JFR fixture as JSON on stdout, from the JDK's own reader
// (`jfr print --json`), for the C++ unit tests to compare their parse with:
//
//   node expected.mjs --name NAME --rate HZ [--labels] PART.jfr [PART.jfr ...]
//
// Several parts mean a file that is their concatenation (one chunk or more each); each part is
// printed alone and the numbers added up, because the JDK's reader carries constants over from
// one chunk to the next and so misreads chunks of two different JVMs put together.
//
// Output: { file, bytes, chunks, eventSettings, sampleRate, periodNanos, events: { type: { events, nullStackTrace,
// emptyStackTrace, withStackTrace, sums... } }, totals: { profileTypeId: n }, leaves:
// { profileTypeId: { "class.method": n } } } where sums/totals/leaves count only events with a
// non-empty stack trace, and totals/leaves follow the server's mapping (period = ⌊1e9/rate⌋ ns).
// Integers are written as JSON integer literals (exact, may exceed 2^53 in principle).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const jfr = await import(path.join(here, '..', '..', '..', '..', 'tests', 'integration', 'lib', 'jfr.mjs'));

const args = process.argv.slice(2);
let name;
let rate;
let withLabels = false;
const parts = [];
while (args.length) {
  const a = args.shift();
  if (a === '--name') name = args.shift();
  else if (a === '--rate') rate = Number(args.shift());
  else if (a === '--labels') withLabels = true;
  else parts.push(a);
}
if (!name || !rate || parts.length === 0) {
  console.error('usage: node expected.mjs --name NAME --rate HZ [--labels] PART.jfr...');
  process.exit(2);
}

const events = [];
const eventSettings = [];
let chunks = 0;
for (const p of parts) {
  const [mine, summary, settings] = await Promise.all([jfr.jfrPrintEvents(p), jfr.jfrSummary(p), jfr.eventSettingValues(p)]);
  // An "event" setting of wall turns jdk.ExecutionSample into wall samples, which this script
  // does not model.
  if (settings.includes('wall') && mine.some((e) => e.type === 'jdk.ExecutionSample')) {
    throw new Error(`${p}: event setting "wall" with jdk.ExecutionSample events is not supported here`);
  }
  eventSettings.push(settings);
  // Cross-check: jfr print and jfr summary count the same events of every mapped type.
  for (const type of jfr.MAPPED_EVENTS) {
    const printed = mine.filter((e) => e.type === type).length;
    if (printed !== (summary.counts[type] ?? 0)) {
      throw new Error(`${p}: ${type}: jfr print has ${printed} events, jfr summary ${summary.counts[type] ?? 0}`);
    }
  }
  events.push(...mine);
  chunks += summary.chunks;
}

const stats = jfr.eventStats(events);
for (const s of Object.values(stats)) {
  if (s.byContextId) s.byContextId = Object.fromEntries(Object.entries(s.byContextId).sort(([a], [b]) => Number(a) - Number(b)));
}
const leaves = jfr.expectedLeafSelf(events, rate);
const doc = {
  file: name,
  bytes: parts.reduce((n, p) => n + readFileSync(p).length, 0),
  chunks,
  eventSettings,  // per part: the values of jdk.ActiveSetting events named "event" ([] for JDK recordings)
  sampleRate: rate,
  periodNanos: jfr.periodOf(rate),
  events: Object.fromEntries(Object.entries(stats).sort(([a], [b]) => (a < b ? -1 : 1))),
  totals: jfr.expectedTotals(events, rate),
  leaves: Object.fromEntries(Object.entries(leaves).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, m]) => [id, Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)))])),
  ...(withLabels ? { labels: jfr.PROFILER_EVENTS_LABELS } : {}),
};

// JSON with BigInts as integer literals.
const text = JSON.stringify(doc, (k, v) => (typeof v === 'bigint' ? `@@${v}@@` : v), 2).replace(/"@@(-?\d+)@@"/g, '$1');
process.stdout.write(`${text}\n`);
