// Time ranges as the server takes them (its "attime" syntax): now, now-1h, now-30m15s, unix
// seconds / ms / µs / ns by digit count. The UI keeps the text in the URL and resolves it to
// milliseconds when it asks the server.

const UNIT_MS: Record<string, number> = {
  s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000,
  mon: 2_592_000_000, M: 2_592_000_000, y: 31_536_000_000,
};

/** Resolves `text` at `now` (ms). Throws an Error naming the text when it is not a time. */
export function parseTime(text: string, now: number): number {
  const t = text.trim();
  if (t === '' || t === 'now') return now;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (t.length === 13) return n;
    if (t.length === 16) return Math.floor(n / 1000);
    if (t.length === 19) return Math.floor(n / 1_000_000);
    return n * 1000;
  }
  const rel = /^now((?:[+-](?:\d+(?:mon|min|[smhdwMy]))+)+)$/.exec(t);
  if (rel) {
    let ms = now;
    for (const [, sign, group] of rel[1].matchAll(/([+-])((?:\d+(?:mon|min|[smhdwMy]))+)/g)) {
      for (const [, n, unit] of group.matchAll(/(\d+)(mon|min|[smhdwMy])/g)) {
        ms += (sign === '-' ? -1 : 1) * Number(n) * UNIT_MS[unit];
      }
    }
    return ms;
  }
  const iso = Date.parse(t);
  if (!Number.isNaN(iso) && /\d{4}-\d{2}-\d{2}/.test(t)) return iso;
  throw new Error(`"${text}" is not a time: use now, now-1h, unix seconds or ms, or 2026-01-02T15:04:05Z`);
}

export interface Range { from: number; until: number }

/** Both ends resolved; throws when either is bad or from is not before until. */
export function parseRange(from: string, until: string, now: number): Range {
  const r = { from: parseTime(from, now), until: parseTime(until, now) };
  if (r.from >= r.until) throw new Error(`the range ${from} .. ${until} is empty: "from" must be before "until"`);
  return r;
}

export const PRESETS: { label: string; from: string }[] = [
  { label: '5m', from: 'now-5m' }, { label: '15m', from: 'now-15m' }, { label: '1h', from: 'now-1h' },
  { label: '6h', from: 'now-6h' }, { label: '24h', from: 'now-24h' }, { label: '7d', from: 'now-7d' },
];

/** SelectSeries' step in seconds: about `points` points over the range, at least 10 s. */
export function stepSeconds(range: Range, points = 200): number {
  return Math.max(10, Math.ceil((range.until - range.from) / 1000 / points));
}

/** "2026-01-02 15:04:05" in UTC, for labels. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}
