// Comparison: two selections side by side, each with its own time range, filter, timeline and
// flame graph (and the shared search).
import { useState } from 'react';

import type { Selection } from '../app/state';
import { rangeText } from '../app/time';
import { SelectionPanel, useRange } from './Selection';
import { SelectionControls, type ViewProps } from './SingleView';

function Side({ sel, onChange, search, testId }: { sel: Selection; onChange: (s: Selection) => void; search: string; testId: string }) {
  const { range } = useRange(sel);
  const [focus, setFocus] = useState('');
  return (
    <div className="side">
      <SelectionControls sel={sel} onChange={onChange} withPickers testId={`${testId}-controls`} />
      {range && (
        <SelectionPanel sel={sel} range={range} search={search} focus={focus} sandwichOf="" showTable={false} testId={testId}
          onRange={(r) => onChange({ ...sel, from: rangeText(r.from), until: rangeText(r.until) })} onFocus={setFocus} onSandwich={() => {}} />
      )}
    </div>
  );
}

export function ComparisonView({ state, update }: ViewProps) {
  return (
    <div className="comparison-view">
      <p className="hint">Each side has its own service, profile type, labels and range; drag on a timeline to change its range.</p>
      <input className="search" type="search" aria-label="search frames" placeholder="Search functions…"
        value={state.search} onChange={(e) => update({ search: e.target.value })} />
      <div className="sides">
        <Side sel={state.left} onChange={(left) => update({ left })} search={state.search} testId="left" />
        <Side sel={state.right} onChange={(right) => update({ right })} search={state.search} testId="right" />
      </div>
    </div>
  );
}
