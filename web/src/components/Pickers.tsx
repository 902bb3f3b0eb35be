// Service and profile type pickers, filled from LabelValues(service_name) and ProfileTypes.
import { labelValues, profileTypes } from '../api/client';
import type { Range } from '../app/time';
import { useAsync } from '../app/useAsync';

export function ServicePicker({ service, range, onChange }: { service: string; range: Range; onChange: (s: string) => void }) {
  const services = useAsync((s) => labelValues('service_name', '{}', range.from, range.until, s), [range.from, range.until]);
  const list = services.value ?? [];
  return (
    <select aria-label="service" data-testid="service-picker" value={service} onChange={(e) => onChange(e.target.value)}>
      <option value="">all services</option>
      {service && !list.includes(service) && <option value={service}>{service}</option>}
      {list.map((s) => <option key={s} value={s}>{s}</option>)}
    </select>
  );
}

export function ProfileTypePicker({ profileType, range, onChange }: { profileType: string; range: Range; onChange: (t: string) => void }) {
  const types = useAsync((s) => profileTypes(range.from, range.until, s), [range.from, range.until]);
  const list = (types.value ?? []).map((t) => t.ID);
  return (
    <select aria-label="profile type" data-testid="type-picker" value={profileType} onChange={(e) => onChange(e.target.value)}>
      {!list.includes(profileType) && <option value={profileType}>{profileType}</option>}
      {list.map((t) => <option key={t} value={t}>{t}</option>)}
    </select>
  );
}
