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

/** SelectSeries' step in seconds: about `points` points over the range (7 days: about an hour
 *  per point at 200), at least 10 s. */
export function stepSeconds(range: Range, points = 200): number {
  return Math.max(10, Math.ceil((range.until - range.from) / 1000 / points));
}

export type Zone = 'utc' | 'local';

/** The time zone times are shown in (this browser's choice; UTC until one is made). */
export function getZone(): Zone {
  try { return localStorage.getItem('flamedb-tz') === 'local' ? 'local' : 'utc'; } catch { return 'utc'; }
}
export function setZone(z: Zone) {
  try { localStorage.setItem('flamedb-tz', z); } catch { /* private mode */ }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The zone's offset from UTC at `ms`, in minutes (0 for UTC). */
function offsetMinutes(ms: number, zone: Zone): number {
  return zone === 'utc' ? 0 : -new Date(ms).getTimezoneOffset();
}

/** "2026-01-02 15:04:05" in `zone`, for labels. */
export function formatTime(ms: number, zone: Zone = getZone()): string {
  const d = new Date(ms + offsetMinutes(ms, zone) * 60_000);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** "UTC" or "UTC+01:00": the zone as a label. */
export function zoneLabel(zone: Zone = getZone(), at = Date.now()): string {
  const off = offsetMinutes(at, zone);
  if (zone === 'utc') return 'UTC';
  return `UTC${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** A time as range text a person reads and parseTime takes back: 2026-01-02T15:04:05Z, or with
 *  the local offset. */
export function rangeText(ms: number, zone: Zone = getZone()): string {
  const base = formatTime(ms, zone).replace(' ', 'T');
  if (zone === 'utc') return `${base}Z`;
  return base + zoneLabel(zone, ms).slice(3).replace(/^$/, 'Z');
}

/** A short axis label for `ms` when the range spans `span` ms: time of day, or date and time. */
export function axisTime(ms: number, span: number, zone: Zone = getZone()): string {
  const t = formatTime(ms, zone);
  return span > 86_400_000 ? t.slice(5, 16) : t.slice(11, span > 3_600_000 ? 16 : 19);
}
