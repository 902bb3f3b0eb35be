// Labels breakdown: the chosen service and type grouped by any label, one small timeline per
// value (the top ones by total, sharing one y-axis, largest first) with its total, share and
// change over the time it has data. A panel opens the flame graph filtered to its value; two
// picked values open their diff.
import { useMemo, useState } from 'react';

import { useApi } from '../api/client';
import { type Matcher, type Selection, selectorOf } from '../app/state';
import { PALETTE, tagRows } from '../app/tags';
import { rangeText, stepSeconds } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { Timeline } from '../components/Timeline';
import { formatValue, unitOf } from '../flame/model';
import { useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';

const TOP = 12;

export function TagExplorer({ state, update }: ViewProps) {
  const api = useApi();
  const { range } = useRange(state.main);
  const selector = selectorOf(state.main.matchers);
  const unit = unitOf(state.main.profileType);
  const [picked, setPicked] = useState<string[]>([]);
  const names = useAsync('label-names', (s) => (range ? api.labelNames(selector, range.from, range.until, s) : Promise.resolve([])), [api, selector, range?.from, range?.until]);
  const label = state.groupBy || (names.value ?? []).find((n) => n !== 'service_name') || '';
  const series = useAsync('label-series', (s) => (range && label
    // To one step past the end, so the totals do not miss the trailing partial step.
    ? api.selectSeries(state.main.profileType, selector, range.from, range.until + stepSeconds(range, 120) * 1000,
      stepSeconds(range, 120), [label], s)
    : Promise.resolve([])), [api, state.main.profileType, selector, label, range?.from, range?.until]);
  const rows = useMemo(() => tagRows(series.value ?? [], label), [series.value, label]);
  const byValue = useMemo(() => new Map((series.value ?? []).map((s) => [s.labels[label] ?? '', s])), [series.value, label]);
  const shown = rows.slice(0, TOP);
  const yMax = Math.max(1, ...shown.flatMap((r) => (byValue.get(r.value)?.points ?? []).map((p) => p.v))) * 1.05;
  const filtered = (value: string): Selection => {
    const m: Matcher = { name: label, op: '=', value };
    return { ...state.main, matchers: [...state.main.matchers.filter((x) => x.name !== label), m] };
  };
  const open = (value: string) => update({ view: 'single', main: filtered(value), focus: '', sandwich: '' });
  const pick = (value: string) => {
    const next = picked.includes(value) ? picked.filter((v) => v !== value) : [...picked, value].slice(-2);
    setPicked(next);
    if (next.length === 2) update({ view: 'diff', left: filtered(next[0]), right: filtered(next[1]), focus: '' });
  };
  return (
    <div className="tag-explorer">
      <SelectionControls sel={state.main} onChange={(main) => update({ main })} withPickers testId="tags-controls" />
      <label>Group by{' '}
        <select aria-label="group by" data-testid="group-by" value={label} onChange={(e) => update({ groupBy: e.target.value })}>
          {(names.value ?? []).map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <span className="hint"> · click a panel to open its flame graph; tick two to diff them</span>
      {series.loading && <Loading what="series" />}
      {(series.error || names.error) && <ErrorBox message={series.error ?? names.error ?? ''} />}
      {range && !series.loading && (
        <>
          <div className="panels" data-testid="label-panels">
            {shown.map((r, i) => (
              <div key={r.value} className="panel" data-value={r.value} data-total={r.total}>
                <div className="panel-head">
                  <input type="checkbox" aria-label={`pick ${label}=${r.value} for a diff`} checked={picked.includes(r.value)} onChange={() => pick(r.value)} />
                  <button type="button" className="panel-title" onClick={() => open(r.value)} title="open its flame graph">
                    <span className="dot" style={{ background: PALETTE[i % PALETTE.length] }} />{r.value || '(none)'}
                  </button>
                  <span className="panel-stats">{formatValue(r.total, unit)} · {r.share.toFixed(1)}%
                    {r.change !== null && <span className={r.change > 0 ? 'gain' : 'loss'}> {r.change > 0 ? '+' : ''}{r.change.toFixed(1)}%</span>}</span>
                </div>
                <Timeline points={byValue.get(r.value)?.points ?? []} range={range} unit={unit} height={110} yMax={yMax}
                  color={PALETTE[i % PALETTE.length]} testId={`panel-${i}`}
                  onSelect={(x) => update({ main: { ...state.main, from: rangeText(x.from), until: rangeText(x.until) } })} />
              </div>
            ))}
          </div>
          {rows.length > TOP && <p className="hint">{rows.length - TOP} more values not shown.</p>}
          {rows.length === 0 && <p className="empty">No series of this type have the label {label || '(none)'}.</p>}
        </>
      )}
    </div>
  );
}
