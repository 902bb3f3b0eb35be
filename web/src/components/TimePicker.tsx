// Presets and typed ranges in the server's own syntax (now-1h, unix seconds or ms, ISO dates).
import { useEffect, useState } from 'react';

import { parseRange, PRESETS } from '../app/time';

export function TimePicker({ from, until, onChange, testId = 'time' }:
  { from: string; until: string; onChange: (from: string, until: string) => void; testId?: string }) {
  const [f, setF] = useState(from);
  const [u, setU] = useState(until);
  const [error, setError] = useState('');
  useEffect(() => { setF(from); setU(until); }, [from, until]);
  const apply = () => {
    try {
      parseRange(f, u, Date.now());
      setError('');
      onChange(f, u);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="time-picker" data-testid={testId}>
      {PRESETS.map((p) => (
        <button key={p.label} type="button" className={from === p.from && until === 'now' ? 'active' : ''}
          onClick={() => onChange(p.from, 'now')}>{p.label}</button>
      ))}
      <input aria-label="from" value={f} onChange={(e) => setF(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} />
      <span>to</span>
      <input aria-label="until" value={u} onChange={(e) => setU(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} />
      <button type="button" onClick={apply}>Apply</button>
      {error && <span className="field-error" role="alert">{error}</span>}
    </div>
  );
}
