import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { ApiError } from './client.ts';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Fetches again, keeping the current data on screen meanwhile. */
  reload: () => void;
  /** Applies a live update to the data in hand. */
  update: (fn: (data: T) => T) => void;
}

/** Runs `load` whenever `deps` change; a newer request aborts the older one so answers never arrive out of order. */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);

  // `load` is a fresh closure each render; `deps` stand for its inputs.
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    load(abort.signal).then(
      (result) => {
        if (abort.signal.aborted) return;
        setData(result);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [...deps, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const update = useCallback((fn: (data: T) => T) => setData((d) => (d === undefined ? d : fn(d))), []);
  return { data, error, loading, reload, update };
}
