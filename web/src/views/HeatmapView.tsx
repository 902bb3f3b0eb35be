// The heatmap of individual profiles (SelectHeatmap): per time slot, how many profiles had each
// size. A cell shows its count and its largest profile (the exemplar); a click on that opens
// the profile's own flame graph (profile_id_selector), and a span's exemplar leads to its trace.
import { useMemo, useState } from 'react';

import { type Exemplar, useApi } from '../api/client';
import { selectorOf } from '../app/state';
import { formatTime, type Range } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { FlameGraph } from '../flame/FlameGraph';
import { decodeFlameGraph, formatValue, unitOf } from '../flame/model';
import { useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';
import { TracePanel } from './TraceLink';

const W = 1000;
const ROWS = 20;

/** About 100 columns, at least 10 s each. */
const heatmapStep = (r: Range) => Math.max(10, Math.ceil((r.until - r.from) / 1000 / 100));

interface Cell { t: number; row: number; count: number; exemplar?: Exemplar }

export function HeatmapView({ state, update }: ViewProps) {
  const api = useApi();
  const { range } = useRange(state.main);
  const selector = selectorOf(state.main.matchers);
  const unit = unitOf(state.main.profileType);
  const step = range ? heatmapStep(range) : 10;
  const [spans, setSpans] = useState(false);
  const heat = useAsync('heatmap', (s) => (range ? api.heatmap(state.main.profileType, selector, range.from, range.until, step, [], s, spans) : Promise.resolve(null)),
    [api, state.main.profileType, selector, range?.from, range?.until, spans]);
  const [picked, setPicked] = useState<Cell | null>(null);
  const [opened, setOpened] = useState<Exemplar | null>(null);
  const cells = useMemo(() => {
    const out: Cell[] = [];
    const h = heat.value;
    if (!h) return out;
    for (const s of h.series) {
      for (const slot of s.slots) {
        // Exemplars come one per non-empty bucket, in bucket order.
        let e = 0;
        slot.counts.forEach((count, row) => {
          if (count > 0) out.push({ t: slot.t, row, count, exemplar: slot.exemplars[e++] });
        });
      }
    }
    return out;
  }, [heat.value]);
  const max = cells.reduce((m, c) => Math.max(m, c.count), 0);
  const profile = useAsync('exemplar-profile', async (s) => {
    if (!opened || !range) return null;
    const fg = await api.mergeStacktraces(state.main.profileType, '{}', range.from - step * 1000, range.until, 8192, s, [opened.profileId],
      opened.spanId ? [opened.spanId] : []);
    return decodeFlameGraph(fg.names, fg.levels);
  }, [api, opened?.profileId, opened?.spanId]);
  const yMin = heat.value?.yMin ?? [];
  const colW = range ? (W * step * 1000) / (range.until - range.from) : 0;
  const xOf = (t: number) => (range ? ((t - step * 1000 - range.from) / (range.until - range.from)) * W : 0);
  return (
    <div className="heatmap-view">
      <SelectionControls sel={state.main} onChange={(main) => update({ main })} withPickers testId="heatmap-controls" />
      <div className="controls">
        <label>Count <select aria-label="heatmap points" value={spans ? 'spans' : 'profiles'} onChange={(e) => { setSpans(e.target.value === 'spans'); setPicked(null); setOpened(null); }}>
          <option value="profiles">profiles</option><option value="spans">spans of profiles</option></select></label>
        <span className="hint">Each cell counts the {spans ? 'spans' : 'profiles'} of that size in that step; click one to see its largest.</span>
      </div>
      {heat.loading && <Loading what="heatmap" />}
      {heat.error && <ErrorBox message={heat.error} />}
      {heat.value && cells.length === 0 && <p className="empty" data-testid="heatmap-empty">No profiles in this range.</p>}
      {range && cells.length > 0 && (
        <div className="heatmap-box">
          <div className="heatmap-y" aria-hidden="true">
            <span>{formatValue(yMin[ROWS - 1] ?? 0, unit)}</span><span>{formatValue(yMin[0] ?? 0, unit)}</span>
          </div>
          <svg className="heatmap" data-testid="heatmap" viewBox={`0 0 ${W} ${ROWS * 10}`} preserveAspectRatio="none" role="img"
            aria-label={`heatmap of ${cells.reduce((n, c) => n + c.count, 0)} profiles from ${formatTime(range.from)} to ${formatTime(range.until)}`}>
            {cells.map((c) => (
              <rect key={`${c.t}-${c.row}`} className="heat-cell" data-t={c.t} data-row={c.row} data-count={c.count}
                x={xOf(c.t)} y={(ROWS - 1 - c.row) * 10} width={Math.max(colW, 2)} height={10}
                fill="var(--accent)" fillOpacity={0.15 + 0.85 * (c.count / max)}
                onClick={() => setPicked(c)}><title>{`${formatTime(c.t)}: ${c.count} profiles of ${formatValue(yMin[c.row] ?? 0, unit)} or more`}</title></rect>
            ))}
          </svg>
          <div className="timeline-axis"><span>{formatTime(range.from)}</span><span>step {step} s</span><span>{formatTime(range.until)}</span></div>
        </div>
      )}
      {picked && (
        <div className="heat-cell-detail" data-testid="heat-cell-detail">
          <b>{formatTime(picked.t)}</b>: {picked.count} {spans ? 'span' : 'profile'}{picked.count === 1 ? '' : 's'} of {formatValue(yMin[picked.row] ?? 0, unit)}
          {yMin[picked.row + 1] !== undefined ? ` to ${formatValue(yMin[picked.row + 1], unit)}` : ' or more'}.
          {picked.exemplar && (
            <>
              {' '}The largest:{' '}
              <button type="button" data-testid="exemplar" data-profile-id={picked.exemplar.profileId} data-value={picked.exemplar.value}
                onClick={() => setOpened(picked.exemplar!)}>
                {formatValue(picked.exemplar.value, unit)} at {formatTime(picked.exemplar.t)}{picked.exemplar.spanId ? ` span ${picked.exemplar.spanId}` : ''}{picked.exemplar.traceId ? ` trace ${picked.exemplar.traceId}` : ''} {Object.entries(picked.exemplar.labels).filter(([k]) => !k.startsWith('__')).map(([k, v]) => `${k}=${v}`).join(' ')}
              </button>
            </>
          )}
        </div>
      )}
      {opened && profile.value && (
        <section className="selection">
          <div className="graph-bar"><span data-testid="exemplar-total" data-total={profile.value.total}>Profile {opened.profileId}</span>
            <button type="button" onClick={() => setOpened(null)}>Close</button></div>
          <FlameGraph root={profile.value} focus={profile.value} unit={unit} search="" testId="exemplar-flamegraph" />
          {opened.traceId && range && <TracePanel traceId={opened.traceId} profileType={state.main.profileType} range={range} unit={unit} />}
        </section>
      )}
      {profile.error && <ErrorBox message={profile.error} />}
    </div>
  );
}
