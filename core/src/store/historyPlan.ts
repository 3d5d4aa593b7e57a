/**
 * How a history range is answered, the same for both stores. The bucket width (the query's step,
 * or for local days the coarsest level every local midnight falls on) decides which rollup levels
 * can serve: those whose interval divides it. The range is then covered coarsest level first:
 * each level serves the whole intervals it can, and what is left at the ends — and every interval
 * that holds an hour whose raw data changed since the last maintenance — goes to the next finer
 * level, down to raw readings. So a year of 12-hour buckets reads ~1,460 6-hour rollups per series
 * and a few dozen finer rows at its ends, and every piece yields sum, count, min and max, which
 * combine exactly: the answer means the same whichever sources served it.
 */
import type { HistoryPoint, HistorySeries } from '../history.ts';
import { localDayBuckets } from './localDays.ts';
import {
  type Aggregate,
  type AggregateRow,
  BACKFILLED_LEVELS,
  combine,
  DAY_MS,
  LEVEL_MS,
  MINUTE_MS,
  ROLLUP_LEVELS,
  type RollupLevel,
  type Source,
  staleSpanMs,
} from './rollups.ts';
import type { RangeQuery } from './timeSeriesStore.ts';

export interface Piece {
  readonly source: Source;
  readonly from: number;
  readonly to: number;
  /** Rows are grouped into buckets of this width, aligned to the epoch; a multiple of the source's interval. */
  readonly stepMs: number;
  /** Read from the greenhouse rollups of the level (devices merged) rather than the device rollups. */
  readonly merged?: boolean;
}

/** What the store knows about its rollups at the time of the read. */
export interface RollupState {
  /** Start of every dirty hour overlapping the plan's interior, not yet rolled up. */
  readonly dirtyHours: readonly number[];
  /**
   * Where the levels added by a later schema (BACKFILLED_LEVELS) are complete from: their rollups
   * of older intervals may still be missing in a data directory being backfilled. Undefined: nowhere yet.
   */
  readonly backfilledFrom: number | undefined;
  /**
   * Where the store's greenhouse rollups are complete from (GreenhouseRollupStorage); undefined
   * when it keeps none or has not started them. Merged queries read them there, device rollups elsewhere.
   */
  readonly greenhouseFrom?: number | undefined;
}

export interface RangePlan {
  /** Where rollups could serve, and so where dirty hours must be looked up; absent for raw-only plans. */
  readonly interior?: { readonly level: RollupLevel; readonly from: number; readonly to: number };
  /** The pieces to query, in time order, adjacent pieces of one source merged. */
  pieces(state: RollupState): Piece[];
  /** Maps a piece's bucket to the answer's bucket (local days), when they differ. */
  readonly bucketOf?: (bucket: number) => number;
}

/** The levels that can serve buckets of `stepMs`, coarsest first. */
export function levelsFor(stepMs: number): RollupLevel[] {
  return ROLLUP_LEVELS.filter((level) => stepMs % LEVEL_MS[level] === 0).reverse();
}

export function planRange(q: RangeQuery): RangePlan {
  let stepMs = q.stepMs;
  let bucketOf: ((bucket: number) => number) | undefined;
  if (q.timeZone !== undefined && q.stepMs % DAY_MS === 0) {
    const days = localDayBuckets(q.from, q.to, q.stepMs / DAY_MS, q.timeZone);
    // Group by the coarsest level every local midnight falls on (6 h in UTC, 1 h in UTC+7, 15 min
    // in UTC+5:30 or +5:45, else 1 min), then fold those buckets into local days.
    stepMs =
      [...levelsFor(q.stepMs), '1m' as const].map((level) => LEVEL_MS[level]).find((ms) => days.boundaries.every((b) => b % ms === 0)) ??
      MINUTE_MS;
    bucketOf = days.bucketOf;
  }
  const levels = levelsFor(stepMs);
  const raw = (from: number, to: number): Piece => ({ source: 'raw', from, to, stepMs });
  const finest = levels[levels.length - 1];
  const finestMs = finest ? LEVEL_MS[finest] : 0;
  const from = finest ? Math.ceil(q.from / finestMs) * finestMs : 0;
  const to = finest ? Math.floor(q.to / finestMs) * finestMs : 0;
  if (!finest || from >= to) return { pieces: () => [raw(q.from, q.to)], ...(bucketOf ? { bucketOf } : {}) };

  return {
    interior: { level: levels[0] ?? finest, from, to },
    ...(bucketOf ? { bucketOf } : {}),
    pieces({ dirtyHours, backfilledFrom, greenhouseFrom }) {
      const dirty = [...new Set(dirtyHours)].sort((a, b) => a - b);
      const spans: { source: Source; from: number; to: number }[] = [];
      const push = (source: Source, a: number, b: number) => {
        if (a >= b) return;
        const last = spans[spans.length - 1];
        if (last && last.source === source && last.to === a) last.to = b;
        else spans.push({ source, from: a, to: b });
      };
      /** [a, b) from levels[i] and finer, in time order. */
      const cover = (a: number, b: number, i: number): void => {
        const level = levels[i];
        if (a >= b) return;
        if (!level) {
          push('raw', a, b);
          return;
        }
        const ms = LEVEL_MS[level];
        const validFrom = BACKFILLED_LEVELS.includes(level) ? (backfilledFrom ?? Number.POSITIVE_INFINITY) : Number.NEGATIVE_INFINITY;
        const start = Math.ceil(Math.max(a, validFrom) / ms) * ms;
        const end = Math.floor(b / ms) * ms;
        if (start >= end) {
          cover(a, b, i + 1);
          return;
        }
        cover(a, start, i + 1);
        // Intervals of this level holding a dirty hour are stale: finer levels (or raw data) serve them.
        const span = staleSpanMs(level);
        let cursor = start;
        for (let k = firstAtOrAfter(dirty, start - span + 1); k < dirty.length; k++) {
          const hour = dirty[k] ?? 0;
          if (hour >= end) break;
          const staleFrom = Math.max(hour - (hour % span), cursor);
          const staleTo = Math.min(hour - (hour % span) + span, end);
          if (staleFrom >= staleTo) continue;
          push(level, cursor, staleFrom);
          cover(staleFrom, staleTo, i + 1);
          cursor = staleTo;
        }
        push(level, cursor, end);
        cover(end, b, i + 1);
      };
      cover(q.from, q.to, 0);
      if (q.byDevice || greenhouseFrom === undefined) return spans.map((s) => ({ ...s, stepMs }));
      // The same intervals from greenhouse rollups where they are complete: exact, and a quarter of the values for four devices.
      return spans.flatMap((s): Piece[] => {
        if (s.source === 'raw') return [{ ...s, stepMs }];
        const cut = Math.min(Math.max(Math.ceil(greenhouseFrom / LEVEL_MS[s.source]) * LEVEL_MS[s.source], s.from), s.to);
        return [
          { ...s, to: cut, stepMs },
          { ...s, from: cut, stepMs, merged: true },
        ].filter((p) => p.from < p.to);
      });
    },
  };
}

/** Index of the first element of the sorted `xs` at or after `x`. */
function firstAtOrAfter(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rows of every piece → the answer: one series per metric (and device), points in time order. */
export function assembleSeries(q: RangeQuery, plan: RangePlan, rows: readonly AggregateRow[]): HistorySeries[] {
  const series = new Map<string, { metric: string; device?: string; buckets: Map<number, Aggregate> }>();
  for (const row of rows) {
    if (row.count <= 0) continue;
    const device = q.byDevice ? row.device : undefined;
    const key = `${row.metric}\n${device ?? ''}`;
    let s = series.get(key);
    if (!s) {
      s = { metric: row.metric, ...(device === undefined ? {} : { device }), buckets: new Map() };
      series.set(key, s);
    }
    const bucket = plan.bucketOf ? plan.bucketOf(row.bucket) : row.bucket;
    const seen = s.buckets.get(bucket);
    s.buckets.set(bucket, seen ? combine(seen, row) : row);
  }
  const out: HistorySeries[] = [];
  for (const s of series.values()) {
    const points: HistoryPoint[] = [...s.buckets].map(([t, a]) => [t, a.sum / a.count, a.min, a.max]);
    points.sort((a, b) => a[0] - b[0]);
    out.push(s.device === undefined ? { metric: s.metric, points } : { metric: s.metric, device: s.device, points });
  }
  return out.sort((a, b) => compare(a.metric, b.metric) || compare(a.device ?? '', b.device ?? ''));
}

/** Byte order, matching SQLite's BINARY collation. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
