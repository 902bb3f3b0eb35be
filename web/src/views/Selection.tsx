// One selection's data: its timeline and its merged flame graph, with the top table, search,
// focus and the sandwich view. The single view shows one; the comparison view two.
import { useMemo, useState } from 'react';

import { useApi } from '../api/client';
import { type Selection, selectorOf } from '../app/state';
import { parseRange, type Range, stepSeconds } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { Timeline } from '../components/Timeline';
import { TopTable } from '../components/TopTable';
import { FlameGraph, type Scheme } from '../flame/FlameGraph';
import { collapseRecursion, countNodes, decodeFlameGraph, findPath, pathOf, sandwich, topTable, unitOf } from '../flame/model';

/** The selection's range resolved once per change of its text (so "now" stays put). */
export function useRange(sel: Selection): { range?: Range; error?: string } {
  return useMemo(() => {
    try {
      return { range: parseRange(sel.from, sel.until, Date.now()) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [sel.from, sel.until]); // eslint-disable-line react-hooks/exhaustive-deps
}

export interface PanelProps {
  sel: Selection;
  range: Range;
  search: string;
  focus: string;
  sandwichOf: string;
  showTable: boolean;
  testId: string;
  onRange: (r: Range) => void;
  onFocus: (path: string) => void;
  onSandwich: (name: string) => void;
}

export function SelectionPanel(p: PanelProps) {
  const selector = selectorOf(p.sel.matchers);
  const api = useApi();
  const unit = unitOf(p.sel.profileType);
  const deps = [api, p.sel.profileType, selector, p.range.from, p.range.until];
  const series = useAsync('series', (s) => api.selectSeries(p.sel.profileType, selector, p.range.from, p.range.until, stepSeconds(p.range), [], s), deps);
  const graph = useAsync('flamegraph', async (s) => {
    const fg = await api.mergeStacktraces(p.sel.profileType, selector, p.range.from, p.range.until, 8192, s);
    return decodeFlameGraph(fg.names, fg.levels);
  }, deps);
  const points = useMemo(() => {
    const sum = new Map<number, number>();
    for (const s of series.value ?? []) for (const pt of s.points) sum.set(pt.t, (sum.get(pt.t) ?? 0) + pt.v);
    return [...sum.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
  }, [series.value]);
  const [scheme, setScheme] = useState<Scheme>('package');
  const [collapse, setCollapse] = useState(false);
  const root = useMemo(() => (graph.value && collapse ? collapseRecursion(graph.value) : graph.value), [graph.value, collapse]);
  const rows = useMemo(() => (root ? topTable(root) : []), [root]);
  const focus = root ? findPath(root, p.focus) : undefined;
  const sw = useMemo(() => (root && p.sandwichOf ? sandwich(root, p.sandwichOf) : undefined), [root, p.sandwichOf]);

  return (
    <section className="selection" data-testid={p.testId}>
      {series.error ? <ErrorBox message={series.error} /> : <Timeline points={points} range={p.range} unit={unit} onSelect={p.onRange} testId={`${p.testId}-timeline`} />}
      {graph.loading && <Loading what="flame graph" />}
      {graph.error && <ErrorBox message={graph.error} />}
      {root && focus && root.total === 0 && <p className="empty" data-testid={`${p.testId}-empty`}>No profiles match this selection in this time range.</p>}
      {root && focus && root.total > 0 && (
        <>
          <div className="graph-bar">
            <span data-testid={`${p.testId}-total`} data-total={root.total}>{countNodes(root)} nodes</span>
            {p.focus && <button type="button" onClick={() => p.onFocus('')}>Reset focus</button>}
            <label>Colour by <select aria-label="colour scheme" value={scheme} onChange={(e) => setScheme(e.target.value as Scheme)}>
              <option value="package">package</option><option value="value">value</option></select></label>
            <label><input type="checkbox" checked={collapse} onChange={(e) => setCollapse(e.target.checked)} /> collapse recursion</label>
          </div>
          <div className={p.showTable ? 'graph-and-table' : ''}>
            {p.showTable && <TopTable rows={rows} unit={unit} total={root.total} search={p.search} onPick={p.onSandwich} />}
            <div className="graphs">
              {sw ? (
                <div className="sandwich" data-testid="sandwich">
                  <div className="sandwich-head">Sandwich of <b>{p.sandwichOf}</b> <button type="button" onClick={() => p.onSandwich('')}>Close</button></div>
                  <h4>Callers (above {p.sandwichOf})</h4>
                  <FlameGraph root={sw.callers} focus={sw.callers} unit={unit} search={p.search} scheme={scheme} inverted testId="sandwich-callers" />
                  <h4>Callees</h4>
                  <FlameGraph root={sw.callees} focus={sw.callees} unit={unit} search={p.search} scheme={scheme} testId="sandwich-callees" />
                </div>
              ) : (
                <FlameGraph root={root} focus={focus} unit={unit} search={p.search} scheme={scheme} testId={`${p.testId}-flamegraph`}
                  onFocus={(n) => p.onFocus(pathOf(n))} onSandwich={p.onSandwich} />
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
