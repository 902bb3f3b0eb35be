// Tag explorer: one profile type grouped by one label: a timeline per value, and a table of the
// values with their share and change; a value opens the single view filtered to it.
import { useMemo } from 'react';

import { labelNames, selectSeries } from '../api/client';
import { type Matcher, selectorOf } from '../app/state';
import { PALETTE, tagRows } from '../app/tags';
import { formatTime, stepSeconds } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { formatValue, unitOf } from '../flame/model';
import { useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';

export function TagExplorer({ state, update }: ViewProps) {
  const { range } = useRange(state.main);
  const selector = selectorOf(state.main.matchers);
  const unit = unitOf(state.main.profileType);
  const names = useAsync((s) => (range ? labelNames(selector, range.from, range.until, s) : Promise.resolve([])), [selector, range?.from, range?.until]);
  const label = state.groupBy || (names.value ?? []).find((n) => n !== 'service_name') || '';
  const series = useAsync((s) => (range && label
    ? selectSeries(state.main.profileType, selector, range.from, range.until, stepSeconds(range, 120), [label], s)
    : Promise.resolve([])), [state.main.profileType, selector, label, range?.from, range?.until]);
  const rows = useMemo(() => (range ? tagRows(series.value ?? [], label, range) : []), [series.value, label, range]);
  const max = Math.max(1, ...(series.value ?? []).flatMap((s) => s.points.map((p) => p.v)));
  const open = (value: string) => {
    const m: Matcher = { name: label, op: '=', value };
    update({ view: 'single', main: { ...state.main, matchers: [...state.main.matchers.filter((x) => x.name !== label), m] }, focus: '', sandwich: '' });
  };
  const colorOf = (value: string) => PALETTE[Math.max(0, rows.findIndex((r) => r.value === value)) % PALETTE.length];
  return (
    <div className="tag-explorer">
      <SelectionControls sel={state.main} onChange={(main) => update({ main })} withPickers testId="tags-controls" />
      <label>Group by{' '}
        <select aria-label="group by" data-testid="group-by" value={label} onChange={(e) => update({ groupBy: e.target.value })}>
          {(names.value ?? []).map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      {series.loading && <Loading what="series" />}
      {(series.error || names.error) && <ErrorBox message={series.error ?? names.error ?? ''} />}
      {range && !series.loading && (
        <>
          <svg className="tag-chart" viewBox="0 0 1000 160" preserveAspectRatio="none" role="img" aria-label={`${label} over time`}>
            {(series.value ?? []).map((s) => {
              const color = colorOf(s.labels[label] ?? '');
              const xy = s.points.map((p) => [((p.t - range.from) / (range.until - range.from)) * 1000, 155 - (p.v / max) * 150]);
              return (
                <g key={s.labels[label]}>
                  <polyline fill="none" stroke={color} strokeWidth={2} vectorEffect="non-scaling-stroke" points={xy.map((p) => p.join(',')).join(' ')} />
                  {xy.length < 50 && xy.map(([x, y], i) => <rect key={i} x={x - 3} y={y - 3} width={6} height={6} fill={color} />)}
                </g>
              );
            })}
          </svg>
          <div className="timeline-axis"><span>{formatTime(range.from)}</span><span>{formatTime(range.until)}</span></div>
          <table className="top-table" data-testid="tag-table">
            <thead><tr><th>{label}</th><th>Total</th><th>Share</th><th>Change (2nd half vs 1st)</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.value} data-value={r.value} data-total={r.total} onClick={() => open(r.value)} title="open in the single view">
                  <td className="name"><span className="dot" style={{ background: colorOf(r.value) }} />{r.value || '(none)'}</td>
                  <td>{formatValue(r.total, unit)}</td>
                  <td>{r.share.toFixed(2)}%</td>
                  <td>{r.change === null ? '—' : `${r.change > 0 ? '+' : ''}${r.change.toFixed(1)}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="empty">No series of this type have the label {label || '(none)'}.</p>}
        </>
      )}
    </div>
  );
}
