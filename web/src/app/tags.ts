// The labels breakdown's arithmetic: per label value, its total over the range, its share of
// all values, and its change over the time it has data: the second half of that time against the
// first (an average per point, so a value that starts mid-range is not a +1,500% jump).
import type { Series } from '../api/client';

export interface TagRow { value: string; total: number; share: number; change: number | null }

export function changeOf(points: { t: number; v: number }[]): number | null {
  if (points.length < 2) return null;
  const mid = (points[0].t + points[points.length - 1].t) / 2;
  const halves = [[0, 0], [0, 0]];
  for (const p of points) {
    const h = halves[p.t <= mid ? 0 : 1];
    h[0] += p.v;
    h[1] += 1;
  }
  const [first, second] = halves.map(([sum, n]) => (n ? sum / n : 0));
  return first > 0 && halves[1][1] > 0 ? (100 * (second - first)) / first : null;
}

export function tagRows(series: Series[], label: string): TagRow[] {
  const rows = series.map((s) => ({
    value: s.labels[label] ?? '',
    total: s.points.reduce((t, p) => t + p.v, 0),
    share: 0,
    change: changeOf([...s.points].sort((a, b) => a.t - b.t)),
  }));
  const all = rows.reduce((t, r) => t + r.total, 0) || 1;
  for (const r of rows) r.share = (100 * r.total) / all;
  return rows.sort((a, b) => b.total - a.total || a.value.localeCompare(b.value));
}

export const PALETTE = ['#e8590c', '#1c7ed6', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#6741d9', '#868e96'];
