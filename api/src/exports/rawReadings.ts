/**
 * Every stored reading of a greenhouse in a time range, oldest first, read one time window at a
 * time so that a year of data never sits in memory. Uses the store's range query at a 1 ms step
 * per device: each bucket then holds exactly one reading, so mean = the raw value.
 */
import type { TimeSeriesStore } from '@canopy/core/node';

export interface RawReading {
  readonly ts: number;
  readonly device: string;
  readonly metric: string;
  readonly value: number;
}

/** A window holds at most (devices × metrics × readings per hour); at 1 Hz that is a few 10 000 rows. */
export const EXPORT_WINDOW_MS = 3_600_000;

export async function* rawReadings(
  store: TimeSeriesStore,
  query: { greenhouse: string; metrics: readonly string[]; from: number; to: number },
  windowMs = EXPORT_WINDOW_MS,
): AsyncGenerator<RawReading[]> {
  if (query.metrics.length === 0) return;
  for (let start = query.from; start < query.to; start += windowMs) {
    const end = Math.min(query.to, start + windowMs);
    const series = await store.range({
      greenhouse: query.greenhouse,
      metrics: query.metrics,
      from: start,
      to: end,
      stepMs: 1,
      byDevice: true,
    });
    const rows: RawReading[] = [];
    for (const s of series) {
      for (const [ts, value] of s.points) rows.push({ ts, device: s.device ?? '', metric: s.metric, value });
    }
    rows.sort((a, b) => a.ts - b.ts || a.device.localeCompare(b.device) || a.metric.localeCompare(b.metric));
    if (rows.length > 0) yield rows;
  }
}

/** The metric keys a greenhouse has ever reported, for an export that names none. */
export async function reportedMetrics(store: TimeSeriesStore, greenhouse: string): Promise<string[]> {
  return [...new Set((await store.latest([greenhouse])).map((l) => l.metric))].sort();
}
