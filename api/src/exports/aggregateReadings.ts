/**
 * Aggregated readings of a greenhouse for exports: mean, min and max per device, metric and
 * bucket of 1 minute, 1 hour or one local calendar day. They come from the rollups through the
 * store's range query, so they reach back past raw retention, where a raw export is empty.
 */
import type { TimeSeriesStore } from '@canopy/core/node';

export type AggregateResolution = '1m' | '1h' | '1d';

export interface AggregateReading {
  readonly ts: number;
  readonly device: string;
  readonly metric: string;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Bucket width and read window per resolution. Windows are multiples of the step on the epoch, so
 * no bucket is split between two reads; days are read in one go, since their buckets follow local
 * midnights (an export spans at most 5 years: ~1,830 rows per series).
 */
const READS: Readonly<Record<AggregateResolution, { stepMs: number; windowMs: number | undefined }>> = {
  '1m': { stepMs: MINUTE_MS, windowMs: DAY_MS },
  '1h': { stepMs: HOUR_MS, windowMs: 40 * DAY_MS },
  '1d': { stepMs: DAY_MS, windowMs: undefined },
};

export async function* aggregateReadings(
  store: TimeSeriesStore,
  query: { greenhouse: string; metrics: readonly string[]; from: number; to: number; timeZone?: string },
  resolution: AggregateResolution,
): AsyncGenerator<AggregateReading[]> {
  if (query.metrics.length === 0) return;
  const { stepMs, windowMs } = READS[resolution];
  for (let start = query.from; start < query.to; ) {
    const end = windowMs === undefined ? query.to : Math.min(query.to, Math.floor(start / windowMs) * windowMs + windowMs);
    const series = await store.range({
      greenhouse: query.greenhouse,
      metrics: query.metrics,
      from: start,
      to: end,
      stepMs,
      byDevice: true,
      ...(resolution === '1d' && query.timeZone ? { timeZone: query.timeZone } : {}),
    });
    const rows: AggregateReading[] = [];
    for (const s of series) {
      for (const [ts, mean, min, max] of s.points) rows.push({ ts, device: s.device ?? '', metric: s.metric, mean, min, max });
    }
    rows.sort((a, b) => a.ts - b.ts || a.device.localeCompare(b.device) || a.metric.localeCompare(b.metric));
    if (rows.length > 0) yield rows;
    start = end;
  }
}
