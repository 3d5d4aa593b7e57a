/**
 * What the rollup maintainer and the history planner need from a store, beyond TimeSeriesStore:
 * aggregates of any source, rollup writes, the dirty-hour log and retention. Both stores
 * implement it, so rollups are computed by one piece of code (rollupMaintainer.ts) for both.
 */
import type { TimeSeriesStore } from './timeSeriesStore.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Raw readings, or a rollup level computed from them. Every level's interval divides an hour or
 * is a multiple of it, so each is an exact regrouping of 1-minute or 1-hour rollups, and a range
 * can be read from a coarse level in its middle and finer ones towards its ends. The levels are chosen so that no
 * step chooseStepMs picks reads more than ~2,000 rows per series (see historyPlan.ts).
 */
export type Source = 'raw' | '1m' | '2m' | '5m' | '15m' | '1h' | '6h';
export type RollupLevel = Exclude<Source, 'raw'>;
/** Finest first. */
export const ROLLUP_LEVELS: readonly RollupLevel[] = ['1m', '2m', '5m', '15m', '1h', '6h'];
export const LEVEL_MS: Readonly<Record<RollupLevel, number>> = {
  '1m': MINUTE_MS,
  '2m': 2 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
};
/** Levels recomputed from the raw minutes of a dirty hour; coarser ones are regrouped from 1-hour rollups. */
export const HOURLY_LEVELS: readonly RollupLevel[] = ROLLUP_LEVELS.filter((l) => LEVEL_MS[l] <= HOUR_MS);
export const COARSE_LEVELS: readonly RollupLevel[] = ROLLUP_LEVELS.filter((l) => LEVEL_MS[l] > HOUR_MS);
/**
 * Levels added after 1-minute and 1-hour rollups (schema v2). In a data directory from before, the
 * maintainer backfills them from the older levels, newest first; until it is done, history reads
 * them only where they are complete (RollupState.backfilledFrom) and finer levels elsewhere.
 */
export const BACKFILLED_LEVELS: readonly RollupLevel[] = ['2m', '5m', '15m', '6h'];
/** The interval of `level` that a dirty hour makes stale: the hour itself, or the coarser interval holding it. */
export const staleSpanMs = (level: RollupLevel) => Math.max(LEVEL_MS[level], HOUR_MS);

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
  /**
   * Rollups of `level` in [from, to) per greenhouse, device, metric and `stepMs` bucket (a multiple
   * of the level), in no particular order: how coarser levels are computed from finer ones.
   */
  aggregateLevel(level: RollupLevel, from: number, to: number, stepMs: number): Promise<AggregateRow[]>;
  /** Upserts per greenhouse, device, metric and bucket; rows carry a device. */
  writeRollups(level: RollupLevel, rows: readonly AggregateRow[]): Promise<void>;
  /** Hours marked dirty at or after `markedSince`, optionally only those in [from, to). */
  dirtyHours(markedSince: number, within?: { from: number; to: number }): Promise<DirtyHour[]>;
  /** Marks older than the cursor have been rolled up; undefined before the first maintenance. */
  readCursor(): Promise<number | undefined>;
  writeCursor(cursor: number): Promise<void>;
  /**
   * Where BACKFILLED_LEVELS are complete from (BACKFILL_DONE: everywhere); undefined until the
   * maintainer starts backfilling a data directory from before them. A new store starts at BACKFILL_DONE.
   */
  readBackfilledFrom(): Promise<number | undefined>;
  writeBackfilledFrom(from: number): Promise<void>;
  /** The oldest bucket of a level, undefined when it is empty: where a backfill can stop. */
  oldestRollup(level: RollupLevel): Promise<number | undefined>;
  /** Deletes a source's data before `cutoff` (greenhouse rollups too); false when the server does not allow it (InfluxDB 2.x/3.x). */
  deleteBefore(source: Source, cutoff: number): Promise<boolean>;
  /** Present on stores that keep greenhouse rollups (see GreenhouseRollupStorage). */
  readonly greenhouses?: GreenhouseRollupStorage;
}

/**
 * Rollups of whole greenhouses, their devices merged: one series per greenhouse and level, so a
 * merged history read gets a quarter of the values of four devices. Kept by InfluxDB, whose read
 * time grows with the values it returns; SQLite's range scans gain too little to keep them. The
 * maintainer writes them with the device rollups they are merged from, so they are as exact and as
 * fresh; data directories from before them are backfilled from the device rollups, newest first.
 */
export interface GreenhouseRollupStorage {
  /** Upserts per greenhouse, metric and bucket; rows carry no device. */
  write(level: RollupLevel, rows: readonly AggregateRow[]): Promise<void>;
  /** Where greenhouse rollups of every level are complete from (BACKFILL_DONE: everywhere); undefined before the maintainer's first pass. */
  readBackfilledFrom(): Promise<number | undefined>;
  writeBackfilledFrom(from: number): Promise<void>;
}

/** RollupStorage.readBackfilledFrom when nothing is left to backfill. */
export const BACKFILL_DONE = Number.MIN_SAFE_INTEGER;

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

/** Rows of devices merged into rows of their greenhouse, per metric and bucket. */
export function mergeDevices(rows: readonly AggregateRow[]): AggregateRow[] {
  return regroup(
    rows.map(({ device: _, ...row }) => row),
    (bucket) => bucket,
  );
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
