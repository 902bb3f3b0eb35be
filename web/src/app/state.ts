// Everything a view shows lives in the URL, so a copied link reproduces it. Parameter names
// follow Pyroscope's UI where it has one (query, from, until, groupBy, left*/right*).

export type View = 'overview' | 'single' | 'comparison' | 'diff' | 'tags' | 'heatmap' | 'upload';

export interface Selection {
  profileType: string; // process_cpu:cpu:nanoseconds:cpu:nanoseconds
  matchers: Matcher[]; // service_name first when chosen in the picker
  from: string;
  until: string;
}

export interface Matcher { name: string; op: '=' | '!=' | '=~' | '!~'; value: string }

export interface ViewState {
  view: View;
  main: Selection;
  left: Selection; // comparison and diff
  right: Selection;
  groupBy: string; // tag explorer
  search: string;
  focus: string; // "name;name;..." path of the focused frame, "" for the root
  sandwich: string; // function shown in the sandwich view, "" for none
  tenant: string; // X-Scope-OrgID for multi-tenant servers, "" for none
  upload: string; // ad-hoc profile id shown in the upload view, "" for none
}

const VIEW_PATHS: Record<View, string> = {
  overview: '/', single: '/explore', comparison: '/comparison', diff: '/diff', tags: '/tag-explorer',
  heatmap: '/heatmap', upload: '/upload',
};

export const DEFAULT_TYPE = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

/** The label selector of `matchers`: {a="x", b=~"y.*"}. Values are escaped as Go strings. */
export function selectorOf(matchers: Matcher[]): string {
  const quote = (v: string) => JSON.stringify(v);
  return `{${matchers.map((m) => `${m.name}${m.op}${quote(m.value)}`).join(', ')}}`;
}

/** Parses `type{matchers}` (Pyroscope's query parameter). Unparseable matchers are dropped. */
export function parseQuery(query: string): { profileType: string; matchers: Matcher[] } {
  const brace = query.indexOf('{');
  const profileType = (brace < 0 ? query : query.slice(0, brace)).trim() || DEFAULT_TYPE;
  const matchers: Matcher[] = [];
  const body = brace < 0 ? '' : query.slice(brace + 1, query.lastIndexOf('}'));
  for (const m of body.matchAll(/\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/g)) {
    matchers.push({ name: m[1], op: m[2] as Matcher['op'], value: JSON.parse(`"${m[3]}"`) as string });
  }
  return { profileType, matchers };
}

export const queryOf = (s: Selection) => `${s.profileType}${selectorOf(s.matchers)}`;

function selection(params: URLSearchParams, prefix: string, fallback?: Selection): Selection {
  const q = params.get(`${prefix}query`);
  const parsed = q !== null ? parseQuery(q) : fallback ?? parseQuery('');
  return {
    ...parsed,
    from: params.get(`${prefix}from`) ?? fallback?.from ?? 'now-1h',
    until: params.get(`${prefix}until`) ?? fallback?.until ?? 'now',
  };
}

/** The state of a location (path + search). */
export function parseLocation(pathname: string, search: string): ViewState {
  const params = new URLSearchParams(search);
  let view = (Object.entries(VIEW_PATHS).find(([, p]) => p === pathname)?.[0] ?? 'overview') as View;
  // Links from before the overview: "/?query=..." was the single view.
  if (view === 'overview' && params.has('query')) view = 'single';
  const main = selection(params, '');
  return {
    view,
    main,
    left: selection(params, 'left', main),
    right: selection(params, 'right', main),
    groupBy: params.get('groupBy') ?? '',
    search: params.get('search') ?? '',
    focus: params.get('focus') ?? '',
    sandwich: params.get('sandwich') ?? '',
    tenant: params.get('tenant') ?? '',
    upload: params.get('id') ?? '',
  };
}

/** The location (path + search) of a state; the inverse of parseLocation. */
export function formatLocation(s: ViewState): string {
  const params = new URLSearchParams();
  const put = (k: string, v: string) => { if (v !== '') params.set(k, v); };
  const putSel = (prefix: string, sel: Selection) => {
    params.set(`${prefix}query`, queryOf(sel));
    params.set(`${prefix}from`, sel.from);
    params.set(`${prefix}until`, sel.until);
  };
  if (s.view !== 'overview' && s.view !== 'upload') putSel('', s.main);
  else if (s.view === 'overview') { params.set('from', s.main.from); params.set('until', s.main.until); }
  if (s.view === 'comparison' || s.view === 'diff') {
    putSel('left', s.left);
    putSel('right', s.right);
  }
  put('groupBy', s.groupBy);
  put('search', s.search);
  put('focus', s.focus);
  put('sandwich', s.sandwich);
  put('tenant', s.tenant);
  if (s.view === 'upload') put('id', s.upload);
  return `${VIEW_PATHS[s.view]}?${params.toString()}`;
}

/** The service_name matcher's value, if the selection names one service. */
export function serviceOf(sel: Selection): string {
  return sel.matchers.find((m) => m.name === 'service_name' && m.op === '=')?.value ?? '';
}

/** `sel` with its service_name matcher set to `service` ("" removes it). */
export function withService(sel: Selection, service: string): Selection {
  const rest = sel.matchers.filter((m) => !(m.name === 'service_name' && m.op === '='));
  return { ...sel, matchers: service ? [{ name: 'service_name', op: '=', value: service }, ...rest] : rest };
}
