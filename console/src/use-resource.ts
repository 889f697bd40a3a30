// Loads something for a page and keeps it: { data, error, loading, reload, setData }. An answer
// that arrives after the page moved on (deps changed, unmounted) is dropped.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): Promise<void>;
  setData(update: T | ((current: T | undefined) => T)): void;
}

export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const run = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(() => value);
      setError(undefined);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'client_error', caught instanceof Error ? caught.message : String(caught)));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);

  useEffect(() => {
    void run();
    return () => {
      generation.current++;
    };
  }, [run]);

  return {
    data,
    error,
    loading,
    reload: run,
    setData: (update) => setData((current) => (typeof update === 'function' ? (update as (c: T | undefined) => T)(current) : update)),
  };
}
