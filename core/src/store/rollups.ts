/**
 * What the rollup maintainer and the history planner need from a store, beyond TimeSeriesStore:
 * aggregates of any source, rollup writes, the dirty-hour log and retention. Both stores
 * implement it, so rollups are computed by one piece of code (rollupMaintainer.ts) for both.
 */
import type { TimeSeriesStore } from './timeSeriesStore.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Raw readings, or the 1-minute or 1-hour rollups computed from them. */
export type Source = 'raw' | '1m' | '1h';
export type RollupLevel = Exclude<Source, 'raw'>;
export const LEVEL_MS: Readonly<Record<RollupLevel, number>> = { '1m': MINUTE_MS, '1h': HOUR_MS };

/** Sum, count, min and max of one metric in one bucket: combining two is exact, so means stay exact. */
export interface Aggregate {
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

export interface AggregateRow extends Aggregate {
  readonly greenhouse: string;
  /** Absent when a history query merged the greenhouse's devices. */
  readonly device?: string;
  readonly metric: string;
  /** Bucket start, epoch ms, a multiple of the query's step. */
  readonly bucket: number;
}

/** An hour whose raw data changed at `markedAt` (the writer's clock), so its rollups may be stale. */
export interface DirtyHour {
  readonly hour: number;
  readonly markedAt: number;
}

export interface RollupStorage {
  /** Raw data of each hour per greenhouse, device, metric and `stepMs` bucket, in no particular order. */
  aggregateRaw(hours: readonly number[], stepMs: number): Promise<AggregateRow[]>;
  /** Upserts per greenhouse, device, metric and bucket; rows carry a device. */
  writeRollups(level: RollupLevel, rows: readonly AggregateRow[]): Promise<void>;
  /** Hours marked dirty at or after `markedSince`, optionally only those in [from, to). */
  dirtyHours(markedSince: number, within?: { from: number; to: number }): Promise<DirtyHour[]>;
  /** Marks older than the cursor have been rolled up; undefined before the first maintenance. */
  readCursor(): Promise<number | undefined>;
  writeCursor(cursor: number): Promise<void>;
  /** Deletes a source's data before `cutoff`; false when the server does not allow it (InfluxDB 2.x/3.x). */
  deleteBefore(source: Source, cutoff: number): Promise<boolean>;
}

/** A store the rollup maintainer can keep: both implementations are. */
export interface RollupStore extends TimeSeriesStore {
  readonly rollups: RollupStorage;
}

/** Combines two aggregates of the same series and bucket. */
export function combine(a: Aggregate, b: Aggregate): Aggregate {
  return { sum: a.sum + b.sum, count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** Rows regrouped into coarser buckets given by `bucketOf`, combined exactly; keeps greenhouse, device and metric apart. */
export function regroup(rows: readonly AggregateRow[], bucketOf: (bucket: number) => number): AggregateRow[] {
  const out = new Map<string, AggregateRow>();
  for (const row of rows) {
    const bucket = bucketOf(row.bucket);
    const key = `${row.greenhouse}\n${row.device ?? ''}\n${row.metric}\n${bucket}`;
    const seen = out.get(key);
    out.set(key, seen ? { ...seen, ...combine(seen, row) } : { ...row, bucket });
  }
  return [...out.values()];
}

/**
 * Dirty-mark stamps: the wall clock, but strictly increasing within a process, so two writes of
 * one process never share a stamp and a recomputation between them is never taken for the later.
 */
export function createMarkClock(now: () => number = Date.now): () => number {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    last = Math.max(now(), last + 1);
    return last;
  };
}
