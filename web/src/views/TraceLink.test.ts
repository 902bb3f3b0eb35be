import { describe, expect, it } from 'vitest';

import { traceUrl } from './TraceLink';

describe('traceUrl', () => {
  it('puts the trace id into every {traceId} of the template', () => {
    expect(traceUrl('http://tempo:3200/trace/{traceId}?q={traceId}', '4bf92f3577b34da6a3ce929d0e0e4736'))
      .toBe('http://tempo:3200/trace/4bf92f3577b34da6a3ce929d0e0e4736?q=4bf92f3577b34da6a3ce929d0e0e4736');
  });
  it('gives no link for an empty template or one without {traceId}', () => {
    expect(traceUrl('', 'ab')).toBeNull();
    expect(traceUrl('http://tempo:3200/trace/', 'ab')).toBeNull();
  });
});
