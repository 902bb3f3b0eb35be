// Service and profile type pickers. The type picker lists only the types the chosen service
// has (Series of its __profile_type__), in words and grouped by kind.
import { useApi } from '../api/client';
import { groupTypes } from '../app/profileTypes';
import { selectorOf } from '../app/state';
import type { Range } from '../app/time';
import { useAsync } from '../app/useAsync';

export function ServicePicker({ service, range, onChange }: { service: string; range: Range; onChange: (s: string) => void }) {
  const api = useApi();
  const services = useAsync('services', (s) => api.labelValues('service_name', '{}', range.from, range.until, s), [api, range.from, range.until]);
  const list = services.value ?? [];
  return (
    <select aria-label="service" data-testid="service-picker" value={service} onChange={(e) => onChange(e.target.value)}>
      <option value="">all services</option>
      {service && !list.includes(service) && <option value={service}>{service}</option>}
      {list.map((s) => <option key={s} value={s}>{s}</option>)}
    </select>
  );
}

/** The profile types of `service` ("" every service's) in the range. */
export function useServiceTypes(service: string, range: Range) {
  const api = useApi();
  return useAsync('service-types', async (s) => {
    const selector = service ? selectorOf([{ name: 'service_name', op: '=', value: service }]) : '{}';
    const sets = await api.series(selector, ['__profile_type__'], range.from, range.until, s);
    return [...new Set(sets.map((l) => l.__profile_type__).filter(Boolean))].sort();
  }, [api, service, range.from, range.until]);
}

export function ProfileTypePicker({ profileType, types, onChange }:
  { profileType: string; types: string[]; onChange: (t: string) => void }) {
  const groups = groupTypes(types);
  return (
    <select aria-label="profile type" data-testid="type-picker" value={profileType} onChange={(e) => onChange(e.target.value)}>
      {!types.includes(profileType) && <option value={profileType}>{profileType} (no data)</option>}
      {groups.map((g) => (
        <optgroup key={g.kind} label={g.kind}>
          {g.types.map((t) => <option key={t.id} value={t.id} title={t.id}>{t.label}</option>)}
        </optgroup>
      ))}
    </select>
  );
}
