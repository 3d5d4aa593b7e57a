import { chooseStepMs, type LiveReading, liveReadings } from '@canopy/core';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { fetchHistory } from '../../api/greenhouses.ts';
import type { GroupId } from '../../metrics/groups.ts';
import { useGreenhouseLive } from '../../realtime/useLive.ts';
import { RANGES, type RangeId } from './ranges.ts';
import { applyReadings, type ChartsData, countByGroup, fromHistory } from './series.ts';

export interface ChartDataState {
  data: ChartsData | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Live readings each chart received since the page opened (kept across re-fetches). */
  liveCounts: Partial<Record<GroupId, number>>;
  retry: () => void;
}

/**
 * History of `metricKeys` over `range`, kept current by the greenhouse's live readings. Fetches again
 * when the range or metrics change and after a reconnect, which may have missed readings.
 */
export function useChartData(greenhouseId: string, range: RangeId, metricKeys: readonly string[], reconnects: number): ChartDataState {
  const [data, setData] = useState<ChartsData>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [liveCounts, setLiveCounts] = useState<Partial<Record<GroupId, number>>>({});
  const [attempt, setAttempt] = useState(0);
  // Readings that arrive while history is in flight, replayed on top of it so none is lost.
  const pending = useRef<LiveReading[] | null>(null);
  const keys = metricKeys.join(',');

  // `reconnects` and `attempt` are listed only to fetch again.
  useEffect(() => {
    const abort = new AbortController();
    const { ms, raw } = RANGES[range];
    const to = Date.now();
    const from = to - ms;
    pending.current = [];
    setLoading(true);
    const request = keys
      ? fetchHistory(greenhouseId, keys.split(','), from, to, abort.signal)
      : Promise.resolve({ from, to, step_ms: chooseStepMs(from, to), series: [] });
    request.then(
      (res) => {
        if (abort.signal.aborted) return;
        setData(applyReadings(fromHistory(res, ms, raw), pending.current ?? []));
        pending.current = null;
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        pending.current = null;
        setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [greenhouseId, range, keys, reconnects, attempt]);

  useGreenhouseLive([greenhouseId], {
    onReadings: (message) => {
      const readings = liveReadings(message);
      pending.current?.push(...readings);
      setData((d) => d && applyReadings(d, readings));
      const counts = countByGroup(readings);
      setLiveCounts((c) => {
        const next = { ...c };
        for (const [id, n] of Object.entries(counts) as Array<[GroupId, number]>) next[id] = (next[id] ?? 0) + n;
        return next;
      });
    },
  });

  return { data, error, loading, liveCounts, retry: () => setAttempt((n) => n + 1) };
}
