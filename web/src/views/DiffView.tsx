// Diff: two selections as one flame graph (querier.v1 Diff): width is both sides together, the
// colour the change of each frame's share (red: more on the right, green: less), with a legend
// and a table of the largest gains and losses. Each side has its own service, labels and range,
// and a timeline over a window holding both ranges (both shaded) to drag its range on; presets
// set the baseline to the previous period, or split the window before and after a point.
import { useMemo, useState } from 'react';

import { useApi } from '../api/client';
import { type Selection, selectorOf } from '../app/state';
import { type Range, rangeText, stepSeconds } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { Timeline } from '../components/Timeline';
import { decodeDiffFlameGraph, diffColor, type DiffNode, diffTable, shareChange } from '../flame/diff';
import { FlameGraph } from '../flame/FlameGraph';
import { findPath, formatValue, pathOf, unitOf } from '../flame/model';
import { useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';

const LEFT = '#1c7ed6';
const RIGHT = '#e8590c';

/** The window the side timelines show: both ranges, with a quarter of their span around. */
function windowOf(a: Range, b: Range): Range {
  const from = Math.min(a.from, b.from);
  const until = Math.max(a.until, b.until);
  const pad = (until - from) / 4;
  return { from: Math.round(from - pad), until: Math.round(Math.min(until + pad, Math.max(until, Date.now()))) };
}

function SideTimeline({ sel, window, marks, onRange, onPoint, testId }:
  { sel: Selection; window: Range; marks: { range: Range; color: string }[]; onRange: (r: Range) => void; onPoint: (t: number) => void; testId: string }) {
  const api = useApi();
  const selector = selectorOf(sel.matchers);
  const series = useAsync('side-series', (s) => api.selectSeries(sel.profileType, selector, window.from, window.until, stepSeconds(window, 150), [], s),
    [api, sel.profileType, selector, window.from, window.until]);
  const points = useMemo(() => {
    const sum = new Map<number, number>();
    for (const x of series.value ?? []) for (const p of x.points) sum.set(p.t, (sum.get(p.t) ?? 0) + p.v);
    return [...sum.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
  }, [series.value]);
  if (series.error) return <ErrorBox message={series.error} />;
  return <Timeline points={points} range={window} unit={unitOf(sel.profileType)} marks={marks} height={100}
    color={marks[0].color} onSelect={onRange} onPoint={onPoint} testId={testId} />;
}

export function DiffView({ state, update }: ViewProps) {
  const type = state.left.profileType;
  const unit = unitOf(type);
  const api = useApi();
  const left = useRange(state.left);
  const right = useRange(state.right);
  const [splitting, setSplitting] = useState(false);
  const [ls, rs] = [selectorOf(state.left.matchers), selectorOf(state.right.matchers)];
  const window = useMemo(() => (left.range && right.range ? windowOf(left.range, right.range) : undefined),
    [left.range?.from, left.range?.until, right.range?.from, right.range?.until]); // eslint-disable-line react-hooks/exhaustive-deps
  const marks = useMemo(() => (left.range && right.range
    ? { left: [{ range: left.range, color: LEFT }, { range: right.range, color: RIGHT }], right: [{ range: right.range, color: RIGHT }, { range: left.range, color: LEFT }] }
    : undefined), [left.range, right.range]);
  // The two sides always share one profile type.
  const setSide = (side: 'left' | 'right', sel: Selection) => {
    const other = side === 'left' ? 'right' : 'left';
    update({ [side]: sel, [other]: { ...state[other], profileType: sel.profileType } } as Partial<typeof state>);
  };
  const setRanges = (l: Range, r: Range) => update({
    left: { ...state.left, from: rangeText(l.from), until: rangeText(l.until) },
    right: { ...state.right, from: rangeText(r.from), until: rangeText(r.until) },
  });
  const previousPeriod = () => {
    if (!right.range) return;
    const span = right.range.until - right.range.from;
    setRanges({ from: right.range.from - span, until: right.range.from }, right.range);
  };
  const onPoint = (t: number) => {
    if (!splitting || !window) return;
    setSplitting(false);
    setRanges({ from: window.from, until: t }, { from: t, until: window.until });
  };
  const result = useAsync('diff', async (signal) => {
    if (!left.range || !right.range) throw new Error(left.error ?? right.error ?? 'bad range');
    const fg = await api.diff(type, ls, left.range, rs, right.range, signal);
    return { root: decodeDiffFlameGraph(fg.names, fg.levels), leftTicks: fg.leftTicks, rightTicks: fg.rightTicks };
  }, [api, type, ls, rs, left.range?.from, left.range?.until, right.range?.from, right.range?.until]);
  const r = result.value;
  const rows = useMemo(() => (r ? diffTable(r.root, r.leftTicks, r.rightTicks).slice(0, 30) : []), [r]);
  const colorOf = useMemo(() => (r
    ? (n: { name: string }, dark: boolean) => diffColor(shareChange((n as DiffNode).diff, r.leftTicks, r.rightTicks), dark)
    : undefined), [r]);
  const pct = (v: number, t: number) => `${((100 * v) / (t || 1)).toFixed(2)}%`;
  return (
    <div className="diff-view">
      <div className="controls presets">
        Presets:
        <button type="button" onClick={previousPeriod} title="the baseline is the period just before the comparison">previous period</button>
        <button type="button" className={splitting ? 'active' : ''} aria-pressed={splitting} onClick={() => setSplitting(!splitting)}
          title="click a point on a timeline: the baseline is before it, the comparison after">before / after a point…</button>
        {splitting && <span className="hint">click a point on either timeline</span>}
      </div>
      <div className="sides">
        <div className="side"><h3><span className="dot" style={{ background: LEFT }} />Baseline (left)</h3>
          <SelectionControls sel={state.left} onChange={(l) => setSide('left', l)} withPickers testId="diff-left-controls" />
          {window && marks && <SideTimeline sel={state.left} window={window} marks={marks.left} testId="diff-left-timeline" onPoint={onPoint}
            onRange={(x) => setSide('left', { ...state.left, from: rangeText(x.from), until: rangeText(x.until) })} />}
        </div>
        <div className="side"><h3><span className="dot" style={{ background: RIGHT }} />Comparison (right)</h3>
          <SelectionControls sel={{ ...state.right, profileType: type }} onChange={(x) => setSide('right', x)} withPickers testId="diff-right-controls" />
          {window && marks && <SideTimeline sel={{ ...state.right, profileType: type }} window={window} marks={marks.right} testId="diff-right-timeline" onPoint={onPoint}
            onRange={(x) => setSide('right', { ...state.right, from: rangeText(x.from), until: rangeText(x.until) })} />}
        </div>
      </div>
      {result.loading && <Loading what="diff" />}
      {result.error && <ErrorBox message={result.error} />}
      {r && (
        <>
          <div className="legend" data-testid="diff-legend">
            <span>share of each side:</span>
            {[-20, -10, -5, 0, 5, 10, 20].map((c) => (
              <span key={c} className="swatch">
                <i style={{ background: diffColor(c, document.documentElement.dataset.theme === 'dark') }} />{c > 0 ? `+${c}` : c}%
              </span>
            ))}
            <span data-testid="diff-ticks" data-left={r.leftTicks} data-right={r.rightTicks}>
              left {formatValue(r.leftTicks, unit)} · right {formatValue(r.rightTicks, unit)}
            </span>
          </div>
          <div className="graph-and-table">
            <div className="table-scroll" tabIndex={0} role="region" aria-label="largest gains and losses">
            <table className="top-table" data-testid="diff-table">
              <thead><tr><th>Function</th><th>Left self</th><th>Right self</th><th>Change</th></tr></thead>
              <tbody>
                {rows.map((x) => (
                  <tr key={x.name} data-name={x.name} data-left={x.leftSelf} data-right={x.rightSelf}>
                    <td className="name">{x.name}</td>
                    <td>{formatValue(x.leftSelf, unit)} <span className="pct">{pct(x.leftSelf, r.leftTicks)}</span></td>
                    <td>{formatValue(x.rightSelf, unit)} <span className="pct">{pct(x.rightSelf, r.rightTicks)}</span></td>
                    <td className={x.change > 0 ? 'gain' : 'loss'}>{x.change > 0 ? '+' : ''}{x.change.toFixed(2)} pp</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
            <FlameGraph root={r.root} focus={findPath(r.root, state.focus)} unit={unit} search={state.search} testId="diff-flamegraph"
              colorOf={colorOf} onFocus={(n) => update({ focus: pathOf(n) })}
              details={(n) => {
                const d = (n as DiffNode).diff;
                return [`left ${formatValue(d.left, unit)} (${pct(d.left, r.leftTicks)})`, `right ${formatValue(d.right, unit)} (${pct(d.right, r.rightTicks)})`];
              }} />
          </div>
        </>
      )}
    </div>
  );
}
