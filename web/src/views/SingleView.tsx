// The single view: service and profile type pickers, label filter, time range, timeline, flame
// graph with the top table, search, focus and sandwich.
import { useEffect, useRef, useState } from 'react';

import { useApi } from '../api/client';
import { download, downloadPng } from '../api/export';
import { type Selection, selectorOf, serviceOf, type ViewState, withService } from '../app/state';
import { type Range, rangeText } from '../app/time';
import { toFlamebearer } from '../flame/formats';
import { decodeFlameGraph, unitOf } from '../flame/model';
import { LabelFilter } from '../components/LabelFilter';
import { ProfileTypePicker, ServicePicker, useServiceTypes } from '../components/Pickers';
import { rememberType, typeFor } from '../app/profileTypes';
import { ErrorBox } from '../components/Status';
import { TimePicker } from '../components/TimePicker';
import { SelectionPanel, useRange } from './Selection';

export interface ViewProps { state: ViewState; update: (patch: Partial<ViewState>) => void }

export function SelectionControls({ sel, onChange, withPickers, testId }:
  { sel: Selection; onChange: (s: Selection) => void; withPickers: boolean; testId: string }) {
  const { range, error } = useRange(sel);
  const service = serviceOf(sel);
  const others = sel.matchers.filter((m) => !(m.name === 'service_name' && m.op === '=' && withPickers));
  return (
    <div className="controls" data-testid={testId}>
      {withPickers && range && <ServicePicker service={service} range={range} onChange={(s) => onChange(withService(sel, s))} />}
      {withPickers && range && <TypeControl sel={sel} service={service} range={range} onChange={onChange} />}
      <TimePicker from={sel.from} until={sel.until} onChange={(from, until) => onChange({ ...sel, from, until })} testId={`${testId}-time`} />
      {range && (
        <LabelFilter matchers={others} range={range} testId={`${testId}-filter`}
          onChange={(m) => onChange({ ...sel, matchers: withPickers && service ? [{ name: 'service_name', op: '=', value: service }, ...m] : m })} />
      )}
      {error && <ErrorBox message={error} />}
    </div>
  );
}

/** The type picker of `service`. When the user picks another service, a type it does not have
 *  gives way to its own (the last chosen for it, else its CPU); a link's type is kept as is. */
function TypeControl({ sel, service, range, onChange }:
  { sel: Selection; service: string; range: Range; onChange: (s: Selection) => void }) {
  const types = useServiceTypes(service, range);
  const list = types.loading ? undefined : types.value;
  const last = useRef(service);
  const changed = useRef(false);
  if (last.current !== service) {
    last.current = service;
    changed.current = true;
  }
  useEffect(() => {
    if (!changed.current || !list) return;
    changed.current = false;
    if (list.length === 0 || list.includes(sel.profileType)) return;
    onChange({ ...sel, profileType: typeFor(service, list, sel.profileType) });
  }, [list]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <ProfileTypePicker profileType={sel.profileType} types={list ?? []}
      onChange={(t) => { rememberType(service, t); onChange({ ...sel, profileType: t }); }} />
  );
}

/** Export buttons: the merged profile as pprof, the flame graph as flamebearer JSON or PNG. */
function Exports({ sel, range }: { sel: Selection; range: Range }) {
  const [error, setError] = useState('');
  const api = useApi();
  const name = (serviceOf(sel) || 'profile').replace(/[^\w.-]+/g, '_');
  const run = (f: () => Promise<void> | void) => async () => {
    setError('');
    try { await f(); } catch (e) { setError((e as Error).message); }
  };
  const selector = selectorOf(sel.matchers);
  return (
    <span className="exports">
      Export:
      <button type="button" onClick={run(async () => download(`${name}.pb`, await api.pprof(sel.profileType, selector, range.from, range.until) as BlobPart, 'application/octet-stream'))}>pprof</button>
      <button type="button" onClick={run(async () => {
        const fg = await api.mergeStacktraces(sel.profileType, selector, range.from, range.until);
        download(`${name}.flamebearer.json`, JSON.stringify(toFlamebearer(decodeFlameGraph(fg.names, fg.levels), unitOf(sel.profileType), name)), 'application/json');
      })}>flamebearer JSON</button>
      <button type="button" onClick={run(() => downloadPng('main-flamegraph', `${name}.png`))}>PNG</button>
      {error && <span className="field-error" role="alert">{error}</span>}
    </span>
  );
}

export function SingleView({ state, update }: ViewProps) {
  const { range } = useRange(state.main);
  const setMain = (main: Selection) => update({ main, focus: '', sandwich: '' });
  return (
    <div className="single-view">
      <SelectionControls sel={state.main} onChange={setMain} withPickers testId="main-controls" />
      <div className="toolbar">
        <input className="search" type="search" aria-label="search frames" placeholder="Search functions…"
          value={state.search} onChange={(e) => update({ search: e.target.value })} />
        {range && <Exports sel={state.main} range={range} />}
      </div>
      {range && (
        <SelectionPanel sel={state.main} range={range} search={state.search} focus={state.focus} sandwichOf={state.sandwich}
          showTable testId="main"
          onRange={(r) => setMain({ ...state.main, from: rangeText(r.from), until: rangeText(r.until) })}
          onFocus={(focus) => update({ focus })} onSandwich={(sandwich) => update({ sandwich })} />
      )}
    </div>
  );
}
