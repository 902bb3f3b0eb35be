// Runs an async load when its inputs change; the previous load is aborted. The state says
// loading, the value, or the error in words.
import { useEffect, useState } from 'react';

export interface AsyncState<T> { loading: boolean; value?: T; error?: string }

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ loading: true });
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(ctl.signal).then(
      (value) => { if (!ctl.signal.aborted) setState({ loading: false, value }); },
      (err: Error) => { if (!ctl.signal.aborted) setState({ loading: false, error: err.message }); },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
