// From a span's profile back to its trace: the trace id of a span exemplar, the flame graph of
// every sample of that trace (trace_id_selector, all services), and a link to the tracing UI
// when the user has set one (a URL template with {traceId}, kept with the settings service).
import { useState } from 'react';

import { useApi } from '../api/client';
import type { Range } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox } from '../components/Status';
import { FlameGraph } from '../flame/FlameGraph';
import { decodeFlameGraph } from '../flame/model';

export const TRACE_LINK = 'flamedb.traceLink';

/** The template with the trace id put in, or null when there is no usable template. */
export function traceUrl(template: string, traceId: string): string | null {
  if (!template.includes('{traceId}')) return null;
  return template.replaceAll('{traceId}', encodeURIComponent(traceId));
}

interface Props { traceId: string; profileType: string; range: Range; unit: string }

export function TracePanel({ traceId, profileType, range, unit }: Props) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [edited, setEdited] = useState<string | null>(null);
  const stored = useAsync('trace-link', async () => (await api.getSetting(TRACE_LINK)) ?? '', [api]);
  const template = edited ?? stored.value ?? '';
  const url = traceUrl(template, traceId);
  const trace = useAsync('trace-profile', async (s) => {
    if (!open) return null;
    const fg = await api.mergeStacktraces(profileType, '{}', range.from, range.until, 8192, s, [], [], [traceId]);
    return decodeFlameGraph(fg.names, fg.levels);
  }, [api, open, traceId, profileType, range.from, range.until]);
  const save = () => { if (edited !== null) void api.setSetting(TRACE_LINK, edited).catch(() => setEdited(null)); };
  return (
    <div className="trace-panel">
      <div className="graph-bar">
        <span>Trace <code data-testid="exemplar-trace">{traceId}</code></span>
        <button type="button" data-testid="open-trace" aria-pressed={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide the trace' : 'Every sample of this trace'}</button>
        {url && <a data-testid="trace-link" href={url} target="_blank" rel="noreferrer">Open the trace</a>}
        <label>Trace link <input data-testid="trace-link-template" size={40} placeholder="https://tracing.example/trace/{traceId}"
          value={template} onChange={(e) => setEdited(e.target.value)} onBlur={save}
          onKeyDown={(e) => { if (e.key === 'Enter') save(); }} /></label>
      </div>
      {trace.error && <ErrorBox message={trace.error} />}
      {open && trace.value && (
        <>
          <span data-testid="trace-total" data-total={trace.value.total}>All services, samples of trace {traceId}</span>
          <FlameGraph root={trace.value} focus={trace.value} unit={unit} search="" testId="trace-flamegraph" />
        </>
      )}
    </div>
  );
}
