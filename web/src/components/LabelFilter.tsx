// The label filter builder: matchers as chips, and a form to add one, with label names and
// values suggested by LabelNames / LabelValues for the current selection.
import { useState } from 'react';

import { useApi } from '../api/client';
import { type Matcher, selectorOf } from '../app/state';
import type { Range } from '../app/time';
import { useAsync } from '../app/useAsync';

export function LabelFilter({ matchers, range, onChange, testId = 'label-filter' }:
  { matchers: Matcher[]; range: Range; onChange: (m: Matcher[]) => void; testId?: string }) {
  const [name, setName] = useState('');
  const [op, setOp] = useState<Matcher['op']>('=');
  const [value, setValue] = useState('');
  const selector = selectorOf(matchers);
  const api = useApi();
  const names = useAsync('label-names', (s) => api.labelNames(selector, range.from, range.until, s), [api, selector, range.from, range.until]);
  const values = useAsync('label-values', (s) => (name ? api.labelValues(name, selector, range.from, range.until, s) : Promise.resolve([])),
    [api, name, selector, range.from, range.until]);
  const add = () => {
    if (!name) return;
    onChange([...matchers, { name, op, value }]);
    setName('');
    setValue('');
  };
  const listId = `${testId}-values`;
  return (
    <div className="label-filter" data-testid={testId}>
      {matchers.map((m, i) => (
        <span className="chip" key={i}>
          {m.name}{m.op}"{m.value}"
          <button type="button" aria-label={`remove ${m.name}`} onClick={() => onChange(matchers.filter((_, j) => j !== i))}>×</button>
        </span>
      ))}
      <select aria-label="label name" value={name} onChange={(e) => setName(e.target.value)}>
        <option value="">+ label…</option>
        {(names.value ?? []).map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
      {name && (
        <>
          <select aria-label="operator" value={op} onChange={(e) => setOp(e.target.value as Matcher['op'])}>
            {['=', '!=', '=~', '!~'].map((o) => <option key={o}>{o}</option>)}
          </select>
          <input aria-label="label value" list={listId} value={value} onChange={(e) => setValue(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && add()} placeholder="value" />
          <datalist id={listId}>{(values.value ?? []).map((v) => <option key={v} value={v} />)}</datalist>
          <button type="button" onClick={add}>Add</button>
        </>
      )}
      {names.error && <span className="field-error" role="alert">{names.error}</span>}
    </div>
  );
}
