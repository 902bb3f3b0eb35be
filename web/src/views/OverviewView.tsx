// The way in: every service of the tenant with a sparkline and total per profile type it has,
// a search box and favorites (kept with the settings service). A service opens the flame graph
// of its remembered (or main) type; a sparkline opens that type.
import { useMemo, useState } from 'react';

import { type Series, useApi } from '../api/client';
import { describeType, describeTypes, KIND_ORDER, rememberType, typeFor } from '../app/profileTypes';
import { DEFAULT_TYPE, withService } from '../app/state';
import { type Range, stepSeconds } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { TimePicker } from '../components/TimePicker';
import { formatValue, unitOf } from '../flame/model';
import { useRange } from './Selection';
import type { ViewProps } from './SingleView';

const FAVORITES = 'flamedb.favorites';

interface Overview {
  services: Map<string, string[]>; // service -> its types, by kind
  series: Map<string, Map<string, Series>>; // type -> service -> its series
}

async function loadOverview(api: ReturnType<typeof useApi>, range: Range, signal: AbortSignal): Promise<Overview> {
  const sets = await api.series('{}', ['service_name', '__profile_type__'], range.from, range.until, signal);
  const services = new Map<string, string[]>();
  for (const l of sets) {
    const [svc, type] = [l.service_name ?? '', l.__profile_type__ ?? ''];
    if (!type) continue;
    services.set(svc, [...(services.get(svc) ?? []), type]);
  }
  const rank = (t: string) => KIND_ORDER.indexOf(describeType(t).kind);
  for (const [svc, types] of services) services.set(svc, [...new Set(types)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)));
  const types = [...new Set(sets.map((l) => l.__profile_type__ ?? '').filter(Boolean))];
  const step = stepSeconds(range, 60);
  // To one step past the end: SelectSeries leaves out a trailing partial step, and a total must
  // not miss the last minute's profiles.
  const all = await Promise.all(types.map((t) =>
    api.selectSeries(t, '{}', range.from, range.until + step * 1000, step, ['service_name'], signal)));
  const series = new Map(types.map((t, i) => [t, new Map(all[i].map((s) => [s.labels.service_name ?? '', s]))]));
  return { services, series };
}

function Sparkline({ s, range, color }: { s?: Series; range: Range; color: string }) {
  const pts = s?.points ?? [];
  const max = pts.reduce((m, p) => Math.max(m, p.v), 0) || 1;
  const xy = pts.map((p) => `${(((p.t - range.from) / (range.until - range.from)) * 120).toFixed(1)},${(28 - (p.v / max) * 26).toFixed(1)}`);
  return (
    <svg className="sparkline" viewBox="0 0 120 30" preserveAspectRatio="none" aria-hidden="true">
      {xy.length > 1 && <polyline points={xy.join(' ')} fill="none" stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />}
      {xy.length > 0 && xy.length < 4 && xy.map((p) => { const [x, y] = p.split(','); return <rect key={p} x={Number(x) - 1.5} y={Number(y) - 1.5} width={3} height={3} fill={color} />; })}
    </svg>
  );
}

export function OverviewView({ state, update }: ViewProps) {
  const api = useApi();
  const { range, error } = useRange(state.main);
  const [search, setSearch] = useState('');
  const data = useAsync('overview', (s) => (range ? loadOverview(api, range, s) : Promise.reject(new Error(error))), [api, range?.from, range?.until]);
  const [favorites, setFavorites] = useState<string[] | null>(null);
  const stored = useAsync('favorites', async () => JSON.parse((await api.getSetting(FAVORITES)) ?? '[]') as string[], [api]);
  const favs = favorites ?? stored.value ?? [];
  const toggle = async (svc: string) => {
    const next = favs.includes(svc) ? favs.filter((f) => f !== svc) : [...favs, svc].sort();
    setFavorites(next);
    await api.setSetting(FAVORITES, JSON.stringify(next)).catch(() => setFavorites(favs));
  };
  const rows = useMemo(() => {
    const all = [...(data.value?.services.keys() ?? [])];
    const q = search.trim().toLowerCase();
    return all.filter((s) => !q || s.toLowerCase().includes(q))
      .sort((a, b) => Number(favs.includes(b)) - Number(favs.includes(a)) || a.localeCompare(b));
  }, [data.value, search, favs]);
  const open = (svc: string, type?: string) => {
    const types = data.value?.services.get(svc) ?? [];
    const chosen = type ?? typeFor(svc, types, DEFAULT_TYPE);
    if (type) rememberType(svc, type);
    update({ view: 'single', main: { ...withService(state.main, svc), profileType: chosen || DEFAULT_TYPE }, focus: '', sandwich: '' });
  };
  return (
    <div className="overview" data-testid="overview">
      <div className="controls">
        <input className="search" type="search" aria-label="search services" placeholder="Search services…" value={search}
          onChange={(e) => setSearch(e.target.value)} data-testid="overview-search" />
        <TimePicker from={state.main.from} until={state.main.until} testId="overview-time"
          onChange={(from, until) => update({ main: { ...state.main, from, until } })} />
      </div>
      {error && <ErrorBox message={error} />}
      {data.loading && <Loading what="services" />}
      {data.error && <ErrorBox message={data.error} />}
      {data.value && rows.length === 0 && <p className="empty">{search ? `No service matches "${search}".` : 'No profiles in this time range.'}</p>}
      {data.value && range && (
        <ul className="service-list" data-testid="service-list">
          {rows.map((svc) => (
            <li key={svc} className="service-row" data-service={svc}>
              <button type="button" className={`star${favs.includes(svc) ? ' on' : ''}`} aria-pressed={favs.includes(svc)}
                aria-label={`${favs.includes(svc) ? 'unstar' : 'star'} ${svc}`} onClick={() => toggle(svc)}>★</button>
              <a href="#" className="service-name" onClick={(e) => { e.preventDefault(); open(svc); }}>{svc || '(no service_name)'}</a>
              <div className="service-types">
                {describeTypes(data.value!.services.get(svc) ?? []).map((info) => {
                  const t = info.id;
                  const s = data.value!.series.get(t)?.get(svc);
                  const total = (s?.points ?? []).reduce((sum, p) => sum + p.v, 0);
                  return (
                    <button type="button" key={t} className="type-spark" data-type={t} data-total={total} title={`${svc}: ${t}`}
                      onClick={() => open(svc, t)}>
                      <span className="type-label">{info.label}</span>
                      <Sparkline s={s} range={range} color="var(--accent)" />
                      <span className="type-total">{formatValue(total, unitOf(t))}</span>
                    </button>
                  );
                })}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
