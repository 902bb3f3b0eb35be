// The app shell: navigation between views, the theme, and the URL as the one place the view's
// state lives (pushState on change, popstate on back/forward).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';

import { Api, ApiContext } from './api/client';
import { formatLocation, parseLocation, type View, type ViewState } from './app/state';
import { getZone, setZone, zoneLabel } from './app/time';
import { queryClient } from './app/useAsync';
import { ComparisonView } from './views/ComparisonView';
import { DiffView } from './views/DiffView';
import { HeatmapView } from './views/HeatmapView';
import { OverviewView } from './views/OverviewView';
import { SingleView } from './views/SingleView';
import { TagExplorer } from './views/TagExplorer';
import { UploadView } from './views/UploadView';

const VIEWS: { view: View; label: string }[] = [
  { view: 'overview', label: 'Services' },
  { view: 'single', label: 'Flame graph' },
  { view: 'comparison', label: 'Comparison' },
  { view: 'diff', label: 'Diff' },
  { view: 'tags', label: 'Labels' },
  { view: 'heatmap', label: 'Heatmap' },
  { view: 'upload', label: 'Upload' },
];

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => localStorage.getItem('flamedb-theme')
    ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('flamedb-theme', theme);
  }, [theme]);
  return [theme, () => setTheme(theme === 'dark' ? 'light' : 'dark')];
}

export function App() {
  const [state, setState] = useState<ViewState>(() => parseLocation(location.pathname, location.search));
  const [theme, toggleTheme] = useTheme();
  const [zone, setZoneState] = useState(getZone);
  const api = useMemo(() => new Api(state.tenant), [state.tenant]);
  useEffect(() => {
    const onPop = () => setState(parseLocation(location.pathname, location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const update = useCallback((patch: Partial<ViewState>) => {
    setState((s) => {
      const next = { ...s, ...patch };
      const url = formatLocation(next);
      if (url !== location.pathname + location.search) history.pushState(null, '', url);
      return next;
    });
  }, []);
  return (
    <div className="app">
      <header>
        <span className="logo">flamedb</span>
        <nav>
          {VIEWS.map((v) => (
            <a key={v.view} href={formatLocation({ ...state, view: v.view })} className={state.view === v.view ? 'active' : ''}
              onClick={(e) => { e.preventDefault(); update({ view: v.view }); }}>{v.label}</a>
          ))}
        </nav>
        <button type="button" className="zone" data-testid="zone-toggle" aria-label={`time zone ${zoneLabel(zone)}, switch`}
          onClick={() => { const z = zone === 'utc' ? 'local' : 'utc'; setZone(z); setZoneState(z); }}>{zoneLabel(zone)}</button>
        <button type="button" className="theme" data-testid="theme-toggle" onClick={toggleTheme}>{theme === 'dark' ? 'Light theme' : 'Dark theme'}</button>
      </header>
      <QueryClientProvider client={queryClient}>
      <ApiContext.Provider value={api}>
      <main key={zone}>
        {state.view === 'overview' && <OverviewView state={state} update={update} />}
        {state.view === 'heatmap' && <HeatmapView state={state} update={update} />}
        {state.view === 'comparison' && <ComparisonView state={state} update={update} />}
        {state.view === 'diff' && <DiffView state={state} update={update} />}
        {state.view === 'tags' && <TagExplorer state={state} update={update} />}
        {state.view === 'upload' && <UploadView state={state} update={update} />}
        {state.view === 'single' && <SingleView state={state} update={update} />}
      </main>
      </ApiContext.Provider>
      </QueryClientProvider>
    </div>
  );
}
