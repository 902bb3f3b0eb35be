// The public HTTP API the UI uses (Connect JSON on querier.v1.QuerierService), so the same UI
// works against flamedb and against Pyroscope. int64 fields arrive as strings; they become numbers
// here (profile values fit a double's 53 bits in practice).

export class ApiError extends Error {
  constructor(message: string, readonly code: string) { super(message); }
}

let tenant = '';
/** X-Scope-OrgID for every call ("" sends none). */
export function setTenant(t: string) { tenant = t; }
export const getTenant = () => tenant;

async function call<T>(method: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (tenant) headers['X-Scope-OrgID'] = tenant;
  let res: Response;
  try {
    res = await fetch(`/querier.v1.QuerierService/${method}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(`${method}: the server cannot be reached (${(err as Error).message})`, 'unavailable');
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.trim() || res.statusText;
    let code = 'unknown';
    try {
      const e = JSON.parse(text) as { code?: string; message?: string };
      message = e.message ?? message;
      code = e.code ?? code;
    } catch { /* not a Connect error body */ }
    throw new ApiError(`${method}: ${message} (HTTP ${res.status})`, code);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

export interface ProfileType { ID: string; name?: string; sampleType?: string; sampleUnit?: string }

export async function profileTypes(start: number, end: number, signal?: AbortSignal): Promise<ProfileType[]> {
  const r = await call<{ profileTypes?: ProfileType[] }>('ProfileTypes', { start: String(start), end: String(end) }, signal);
  return r.profileTypes ?? [];
}

export async function labelNames(selector: string, start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  const r = await call<{ names?: string[] }>('LabelNames', { matchers: [selector], start: String(start), end: String(end) }, signal);
  return (r.names ?? []).filter((n) => !n.startsWith('__'));
}

export async function labelValues(name: string, selector: string, start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  const r = await call<{ names?: string[] }>('LabelValues', { name, matchers: [selector], start: String(start), end: String(end) }, signal);
  return r.names ?? [];
}

export interface Point { t: number; v: number }
export interface Series { labels: Record<string, string>; points: Point[] }

export async function selectSeries(profileType: string, selector: string, start: number, end: number,
  step: number, groupBy: string[] = [], signal?: AbortSignal): Promise<Series[]> {
  const r = await call<{ series?: { labels?: { name: string; value?: string }[]; points?: { value?: number; timestamp?: string }[] }[] }>(
    'SelectSeries', { profileTypeID: profileType, labelSelector: selector, start: String(start), end: String(end), step, groupBy }, signal);
  return (r.series ?? []).map((s) => ({
    labels: Object.fromEntries((s.labels ?? []).map((l) => [l.name, l.value ?? ''])),
    points: (s.points ?? []).map((p) => ({ t: Number(p.timestamp ?? 0), v: p.value ?? 0 })),
  }));
}

/** The wire FlameGraph: names and levels of [x delta, total, self, name index] per node. */
export interface FlameGraphData { names: string[]; levels: number[][]; total: number }

export async function mergeStacktraces(profileType: string, selector: string, start: number, end: number,
  maxNodes = 8192, signal?: AbortSignal): Promise<FlameGraphData> {
  const r = await call<{ flamegraph?: { names?: string[]; levels?: { values?: string[] }[]; total?: string } }>(
    'SelectMergeStacktraces', { profileTypeID: profileType, labelSelector: selector, start: String(start), end: String(end),
      maxNodes: String(maxNodes), format: 'PROFILE_FORMAT_FLAMEGRAPH' }, signal);
  const fg = r.flamegraph ?? {};
  return {
    names: fg.names ?? [],
    levels: (fg.levels ?? []).map((l) => (l.values ?? []).map(Number)),
    total: Number(fg.total ?? 0),
  };
}

export interface DiffData { names: string[]; levels: number[][]; leftTicks: number; rightTicks: number }

/** The diff flame graph of two selections (levels of 7 numbers per node). */
export async function diff(profileType: string, leftSelector: string, left: { from: number; until: number },
  rightSelector: string, right: { from: number; until: number }, signal?: AbortSignal): Promise<DiffData> {
  const side = (selector: string, r: { from: number; until: number }) => ({
    profileTypeID: profileType, labelSelector: selector, start: String(r.from), end: String(r.until), maxNodes: '8192',
  });
  const res = await call<{ flamegraph?: { names?: string[]; levels?: { values?: string[] }[]; leftTicks?: string; rightTicks?: string } }>(
    'Diff', { left: side(leftSelector, left), right: side(rightSelector, right) }, signal);
  const fg = res.flamegraph ?? {};
  return {
    names: fg.names ?? [],
    levels: (fg.levels ?? []).map((l) => (l.values ?? []).map(Number)),
    leftTicks: Number(fg.leftTicks ?? 0),
    rightTicks: Number(fg.rightTicks ?? 0),
  };
}
