// Profile type ids (name:sample_type:sample_unit:period_type:period_unit) in words, grouped by
// kind as a user looks for them, and the type a service shows first.

export interface TypeInfo { id: string; kind: string; label: string }

// [__name__ prefix, sample type] -> kind and label; the first match wins.
const KNOWN: [RegExp, RegExp, string, string][] = [
  [/cpu/, /^cpu$/, 'CPU', 'CPU time'],
  [/cpu/, /^samples$/, 'CPU', 'CPU samples'],
  [/^wall/, /^wall$/, 'Wall clock', 'Wall time'],
  [/^wall/, /^samples$/, 'Wall clock', 'Wall samples'],
  [/^wall/, /^cpu$/, 'Wall clock', 'CPU time (wall profiler)'],
  [/memory|alloc/, /^alloc_objects$|alloc.*objects|_count$/, 'Allocations', 'Allocated objects'],
  [/memory|alloc/, /^alloc_space$|alloc.*(bytes|size)|^alloc_/, 'Allocations', 'Allocated bytes'],
  [/memory/, /^inuse_objects$|live.*objects/, 'In-use memory', 'In-use objects'],
  [/memory/, /^inuse_space$|live/, 'In-use memory', 'In-use bytes'],
  [/goroutine/, /.*/, 'Goroutines', 'Goroutines'],
  [/mutex|lock/, /contentions|count/, 'Locks', 'Lock contentions'],
  [/mutex|lock/, /delay|duration|wait/, 'Locks', 'Lock wait time'],
  [/block/, /contentions|count/, 'Locks', 'Blocking events'],
  [/block/, /delay|duration/, 'Locks', 'Blocking time'],
  [/exception/, /.*/, 'Exceptions', 'Exceptions'],
];

export const KIND_ORDER = ['CPU', 'Wall clock', 'Allocations', 'In-use memory', 'Goroutines', 'Locks', 'Exceptions', 'Other'];

export function describeType(id: string): TypeInfo {
  const [name = '', sample = '', unit = ''] = id.split(':');
  for (const [n, s, kind, label] of KNOWN) {
    if (n.test(name) && s.test(sample)) return { id, kind, label };
  }
  return { id, kind: 'Other', label: `${name} · ${sample}${unit ? ` (${unit})` : ''}` };
}

/** Each of `types` described; labels that would read the same say their sample type and unit. */
export function describeTypes(types: string[]): TypeInfo[] {
  const infos = types.map(describeType);
  const seen = new Map<string, number>();
  for (const t of infos) seen.set(t.label, (seen.get(t.label) ?? 0) + 1);
  return infos.map((t) => {
    if ((seen.get(t.label) ?? 0) < 2) return t;
    const [name = '', sample = '', unit = ''] = t.id.split(':');
    return { ...t, label: `${t.label} (${name} ${sample}, ${unit})` };
  });
}

/** `types` grouped by kind in KIND_ORDER, each group by label. */
export function groupTypes(types: string[]): { kind: string; types: TypeInfo[] }[] {
  const infos = describeTypes(types);
  return KIND_ORDER.map((kind) => ({
    kind,
    types: infos.filter((t) => t.kind === kind).sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id)),
  })).filter((g) => g.types.length > 0);
}

const rememberKey = (service: string) => `flamedb.type.${service}`;

/** Remembers `type` as `service`'s last choice (this browser). */
export function rememberType(service: string, type: string) {
  if (service) try { localStorage.setItem(rememberKey(service), type); } catch { /* private mode */ }
}

/** The type to show for `service` among its `types`: the last chosen, else `current` if the
 *  service has it, else its CPU time, else the first by kind. "" when it has none. */
export function typeFor(service: string, types: string[], current: string): string {
  let last: string | null = null;
  try { last = service ? localStorage.getItem(rememberKey(service)) : null; } catch { /* private mode */ }
  if (last && types.includes(last)) return last;
  if (types.includes(current)) return current;
  return groupTypes(types)[0]?.types[0]?.id ?? '';
}
