// The top table: self and total per function, sortable, filtered and highlighted by the search.
import { useMemo, useState } from 'react';

import { formatValue, matches, type TopRow } from '../flame/model';

type Key = 'name' | 'self' | 'total';

export function TopTable({ rows, unit, total, search, onPick, limit = 500 }:
  { rows: TopRow[]; unit: string; total: number; search: string; onPick: (name: string) => void; limit?: number }) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'self', desc: true });
  const sorted = useMemo(() => {
    const out = search ? rows.filter((r) => matches(r.name, search)) : [...rows];
    const dir = sort.desc ? -1 : 1;
    out.sort((a, b) => (sort.key === 'name' ? a.name.localeCompare(b.name) : a[sort.key] - b[sort.key]) * dir);
    return out.slice(0, limit);
  }, [rows, sort, search, limit]);
  const header = (key: Key, label: string) => (
    <th aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== 'name' })}>
        {label}{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  const pct = (v: number) => `${(100 * v / (total || 1)).toFixed(2)}%`;
  return (
    <div className="table-scroll">
    <table className="top-table" data-testid="top-table">
      <thead><tr>{header('name', 'Function')}{header('self', 'Self')}{header('total', 'Total')}</tr></thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={r.name} className={matches(r.name, search) ? 'match' : ''} onClick={() => onPick(r.name)} title={`${r.name}: Enter or click for the sandwich view`}
            tabIndex={0} onKeyDown={(e) => { if (e.key === 'Enter' || e.key === 's') onPick(r.name); }}>
            <td className="name"><bdi>{r.name}</bdi></td>
            <td data-value={r.self}>{formatValue(r.self, unit)} <span className="pct">{pct(r.self)}</span></td>
            <td data-value={r.total}>{formatValue(r.total, unit)} <span className="pct">{pct(r.total)}</span></td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
