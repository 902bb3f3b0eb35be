// The tag explorer's arithmetic: per label value, its total over the range, its share of all
// values, and its change from the first half of the range to the second.
import type { Series } from '../api/client';

export interface TagRow { value: string; total: number; share: number; change: number | null }

export function tagRows(series: Series[], label: string, range: { from: number; until: number }): TagRow[] {
  const mid = (range.from + range.until) / 2;
  const rows = series.map((s) => {
    let total = 0;
    let first = 0;
    let second = 0;
    for (const p of s.points) {
      total += p.v;
      if (p.t < mid) first += p.v; else second += p.v;
    }
    return { value: s.labels[label] ?? '', total, share: 0, change: first > 0 ? (100 * (second - first)) / first : null };
  });
  const all = rows.reduce((t, r) => t + r.total, 0) || 1;
  for (const r of rows) r.share = (100 * r.total) / all;
  return rows.sort((a, b) => b.total - a.total || a.value.localeCompare(b.value));
}

export const PALETTE = ['#e8590c', '#1c7ed6', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#6741d9', '#868e96'];
