// Loads through TanStack Query: one cache for the app, so views that ask the same thing (a
// service's types from the overview and the flame graph) ask once; a load whose inputs change is
// aborted; the previous answer stays shown while the next loads; errors are in words and not
// retried (the server's message is the answer). `key` names the load; with `deps` it is the
// cache key, so deps must be plain values (an Api stands for its tenant).
import { keepPreviousData, QueryClient, useQuery } from '@tanstack/react-query';

import { Api } from '../api/client';

export interface AsyncState<T> { loading: boolean; value?: T; error?: string }

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 30_000, gcTime: 300_000 } },
});

export function useAsync<T>(key: string, load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const q = useQuery({
    queryKey: [key, ...deps.map((d) => (d instanceof Api ? `tenant:${d.tenant}` : d))],
    queryFn: ({ signal }) => load(signal),
    placeholderData: keepPreviousData,
  });
  return { loading: q.isFetching, value: q.data, error: q.error ? q.error.message : undefined };
}
