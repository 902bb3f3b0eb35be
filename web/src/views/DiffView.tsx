// Diff: two selections as one flame graph (querier.v1 Diff): width is both sides together, the
// colour the change of each frame's share (red: more on the right, green: less), with a legend
// and a table of the largest gains and losses.
import { useMemo } from 'react';

import { useApi } from '../api/client';
import { selectorOf } from '../app/state';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { decodeDiffFlameGraph, diffColor, type DiffNode, diffTable, shareChange } from '../flame/diff';
import { FlameGraph } from '../flame/FlameGraph';
import { findPath, formatValue, pathOf, unitOf } from '../flame/model';
import { useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';

export function DiffView({ state, update }: ViewProps) {
  const type = state.main.profileType;
  const unit = unitOf(type);
  const api = useApi();
  const left = useRange(state.left);
  const right = useRange(state.right);
  const [ls, rs] = [selectorOf(state.left.matchers), selectorOf(state.right.matchers)];
  const result = useAsync(async (signal) => {
    if (!left.range || !right.range) throw new Error(left.error ?? right.error ?? 'bad range');
    const fg = await api.diff(type, ls, left.range, rs, right.range, signal);
    return { root: decodeDiffFlameGraph(fg.names, fg.levels), leftTicks: fg.leftTicks, rightTicks: fg.rightTicks };
  }, [type, ls, rs, left.range?.from, left.range?.until, right.range?.from, right.range?.until]);
  const r = result.value;
  const rows = useMemo(() => (r ? diffTable(r.root, r.leftTicks, r.rightTicks).slice(0, 30) : []), [r]);
  const colorOf = useMemo(() => (r
    ? (n: { name: string }, dark: boolean) => diffColor(shareChange((n as DiffNode).diff, r.leftTicks, r.rightTicks), dark)
    : undefined), [r]);
  const pct = (v: number, t: number) => `${((100 * v) / (t || 1)).toFixed(2)}%`;
  return (
    <div className="diff-view">
      <div className="sides">
        <div><h3>Baseline (left)</h3><SelectionControls sel={{ ...state.left, profileType: type }} onChange={(l) => update({ left: l })} withPickers={false} testId="diff-left-controls" /></div>
        <div><h3>Comparison (right)</h3><SelectionControls sel={{ ...state.right, profileType: type }} onChange={(x) => update({ right: x })} withPickers={false} testId="diff-right-controls" /></div>
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
