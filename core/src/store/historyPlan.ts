/**
 * How a history range is answered, the same for both stores: the step picks a source (1-hour
 * rollups when it is a multiple of an hour, 1-minute rollups when a multiple of a minute, raw
 * otherwise). Rollups cover only whole rollup intervals that are not dirty: the partial intervals
 * at either end and hours whose raw data changed since the last maintenance are read raw. Every
 * piece yields sum, count, min and max, so pieces combine exactly and the answer means the same
 * whichever source served it.
 */
import type { HistoryPoint, HistorySeries } from '../history.ts';
import { localDayBuckets } from './localDays.ts';
import {
  type Aggregate,
  type AggregateRow,
  combine,
  DAY_MS,
  HOUR_MS,
  LEVEL_MS,
  MINUTE_MS,
  type RollupLevel,
  type Source,
} from './rollups.ts';
import type { RangeQuery } from './timeSeriesStore.ts';

export interface Piece {
  readonly source: Source;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
}

export interface RangePlan {
  /** Where rollups could serve, and so where dirty hours must be looked up; absent for raw-only plans. */
  readonly interior?: { readonly level: RollupLevel; readonly from: number; readonly to: number };
  /** The pieces to query, given the start of every dirty hour overlapping the interior. */
  pieces(dirtyHours: readonly number[]): Piece[];
  /** Maps a piece's bucket to the answer's bucket (local days), when they differ. */
  readonly bucketOf?: (bucket: number) => number;
}

export function planRange(q: RangeQuery): RangePlan {
  let stepMs = q.stepMs;
  let bucketOf: ((bucket: number) => number) | undefined;
  if (q.timeZone !== undefined && q.stepMs % DAY_MS === 0) {
    const days = localDayBuckets(q.from, q.to, q.stepMs / DAY_MS, q.timeZone);
    // Hours fold into local days when every local midnight is on the hour; otherwise (UTC+5:30…) minutes do.
    stepMs = days.boundaries.every((b) => b % HOUR_MS === 0) ? HOUR_MS : MINUTE_MS;
    bucketOf = days.bucketOf;
  }
  const level: RollupLevel | undefined = stepMs % HOUR_MS === 0 ? '1h' : stepMs % MINUTE_MS === 0 ? '1m' : undefined;
  const raw = (from: number, to: number): Piece => ({ source: 'raw', from, to, stepMs });
  const levelMs = level ? LEVEL_MS[level] : 0;
  const from = level ? Math.ceil(q.from / levelMs) * levelMs : 0;
  const to = level ? Math.floor(q.to / levelMs) * levelMs : 0;
  if (!level || from >= to) return { pieces: () => [raw(q.from, q.to)], ...(bucketOf ? { bucketOf } : {}) };

  return {
    interior: { level, from, to },
    ...(bucketOf ? { bucketOf } : {}),
    pieces(dirtyHours) {
      const spans: { source: Source; from: number; to: number }[] = [];
      const push = (source: Source, a: number, b: number) => {
        if (a >= b) return;
        const last = spans[spans.length - 1];
        if (last && last.source === source && last.to === a) last.to = b;
        else spans.push({ source, from: a, to: b });
      };
      push('raw', q.from, from);
      let cursor = from;
      for (const hour of [...new Set(dirtyHours)].sort((a, b) => a - b)) {
        const a = Math.max(hour, from);
        const b = Math.min(hour + HOUR_MS, to);
        if (a >= b || b <= cursor) continue;
        push(level, cursor, Math.max(a, cursor));
        push('raw', Math.max(a, cursor), b);
        cursor = b;
      }
      push(level, cursor, to);
      push('raw', to, q.to);
      return spans.map((s) => ({ ...s, stepMs }));
    },
  };
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
