/**
 * InfluxQL and line protocol for history pieces and rollups on InfluxDB. Rollups are points of
 * `telemetry_1m`, `_5m`, `_15m`, `_1h` and `_6h` (tags device, greenhouse; fields `<metric>__sum`,
 * `__count`, `__min`, `__max`), greenhouse rollups points of `telemetry_gh_1m` … `telemetry_gh_6h`
 * (tag greenhouse, same fields); `rollup_dirty` holds one point per hour whose raw data changed
 * (field `marked_at`), `rollup_state` the maintainer's cursor and the backfill's progress. Identifiers and literals are quoted as
 * in influxQl.ts; values are checked before they get here.
 */
import { Point } from '@influxdata/influxdb-client';
import { parseMetricKey } from '../metrics.ts';
import type { Piece } from './historyPlan.ts';
import { MEASUREMENT, quoteIdent, quoteString } from './influxQl.ts';
import type { InfluxResult } from './influxResponse.ts';
import { type AggregateRow, type DirtyHour, LEVEL_MS, ROLLUP_LEVELS, type RollupLevel, type Source } from './rollups.ts';

export const DIRTY_MEASUREMENT = 'rollup_dirty';
export const STATE_MEASUREMENT = 'rollup_state';
/** The only measurement names that reach InfluxQL text. */
export const SOURCE_MEASUREMENT: Readonly<Record<Source, string>> = {
  raw: MEASUREMENT,
  ...(Object.fromEntries(ROLLUP_LEVELS.map((l) => [l, `${MEASUREMENT}_${l}`])) as Record<RollupLevel, string>),
};
/** Greenhouse rollups (devices merged) of each level. */
export const GREENHOUSE_MEASUREMENT: Readonly<Record<RollupLevel, string>> = Object.fromEntries(
  ROLLUP_LEVELS.map((l) => [l, `${MEASUREMENT}_gh_${l}`]),
) as Record<RollupLevel, string>;
const measurementOf = (piece: Piece) =>
  piece.merged && piece.source !== 'raw' ? GREENHOUSE_MEASUREMENT[piece.source] : SOURCE_MEASUREMENT[piece.source];
const AGGREGATES = ['sum', 'count', 'min', 'max'] as const;
type AggregateName = (typeof AGGREGATES)[number];

/** Timestamps are epoch ms and writes go out with precision=ms. */
const SETTINGS = { convertTime: (value: string | number | Date | undefined) => String(value) };

const column = (index: number, agg: AggregateName) => `m${index}_${agg}`;

/** On raw data each aggregate of the field; on rollups the aggregate that combines stored aggregates exactly. */
function selects(source: Source, metrics: readonly string[]): string {
  return metrics
    .flatMap((metric, i) =>
      AGGREGATES.map((agg) => {
        const expr =
          source === 'raw' ? `${agg}(${quoteIdent(metric)})` : `${agg === 'count' ? 'sum' : agg}(${quoteIdent(`${metric}__${agg}`)})`;
        return `${expr} AS ${quoteIdent(column(i, agg))}`;
      }),
    )
    .join(', ');
}

const timeRange = (from: number, to: number) => `time >= ${from}ms AND time < ${to}ms`;

/**
 * Beyond this many points per series a piece is aggregated by InfluxDB (GROUP BY time); up to it,
 * its points are read as they are and bucketed here. InfluxDB 1.6 spends per window and per
 * aggregate: 32 aggregates over 360 windows of an hour's raw data took ~200 ms where reading the
 * same points took ~15 ms, and 15-minute rollups over 7 days ~380 ms against ~50 ms.
 */
const PLAIN_MAX_POINTS = 5_000;
/** What a raw piece's point count is estimated with: the most frequent reporting Canopy expects. */
const RAW_INTERVAL_MS = 5_000;

/** True when a piece is read point by point (see PLAIN_MAX_POINTS). */
export function readsPlain(piece: Piece): boolean {
  const interval = piece.source === 'raw' ? RAW_INTERVAL_MS : LEVEL_MS[piece.source];
  return (piece.to - piece.from) / interval <= PLAIN_MAX_POINTS;
}

/** Stored fields of each metric, as columns named like selects' aggregates. */
function plainSelects(source: Source, metrics: readonly string[]): string {
  return metrics
    .flatMap((metric, i) =>
      source === 'raw'
        ? [`${quoteIdent(metric)} AS ${quoteIdent(column(i, 'sum'))}`]
        : AGGREGATES.map((agg) => `${quoteIdent(`${metric}__${agg}`)} AS ${quoteIdent(column(i, agg))}`),
    )
    .join(', ');
}

/** One history piece of one greenhouse, all its metrics in one statement; read with toPieceRows. */
export function pieceStatement(piece: Piece, greenhouse: string, metrics: readonly string[], byDevice: boolean): string {
  const where = `WHERE ${quoteIdent('greenhouse')} = ${quoteString(greenhouse)} AND ${timeRange(piece.from, piece.to)}`;
  const from = `FROM ${quoteIdent(measurementOf(piece))}`;
  // Device series grouped by device even when devices are merged: InfluxDB 1.6 answers that faster than one merged series.
  if (readsPlain(piece))
    return `SELECT ${plainSelects(piece.source, metrics)} ${from} ${where}${piece.merged ? '' : ` GROUP BY ${quoteIdent('device')}`}`;
  const groupBy = [`time(${piece.stepMs}ms)`, ...(byDevice ? [quoteIdent('device')] : [])].join(', ');
  return `SELECT ${selects(piece.source, metrics)} ${from} ${where} GROUP BY ${groupBy} fill(none)`;
}

/** Rows of a pieceStatement answer, bucketed by the piece's step. */
export function toPieceRows(
  result: InfluxResult | undefined,
  piece: Piece,
  metrics: readonly string[],
  greenhouse: string,
): AggregateRow[] {
  return readsPlain(piece)
    ? bucketPoints(result, piece.source, piece.stepMs, metrics, greenhouse)
    : toAggregateRows(result, metrics, greenhouse);
}

/**
 * Points of a plain read (plainSelects, grouped by device and possibly greenhouse) folded into
 * sum/count/min/max per `step` bucket; a metric without data in a bucket is left out.
 */
export function bucketPoints(
  result: InfluxResult | undefined,
  source: Source,
  step: number,
  metrics: readonly string[],
  greenhouse?: string,
): AggregateRow[] {
  const out: AggregateRow[] = [];
  for (const series of result?.series ?? []) {
    const device = series.tags?.device || undefined;
    const gh = greenhouse ?? series.tags?.greenhouse;
    if (gh === undefined) continue;
    const columns = metrics.map((_, i) =>
      (source === 'raw' ? (['sum', 'sum', 'sum', 'sum'] as const) : AGGREGATES).map((agg) => series.columns.indexOf(column(i, agg))),
    );
    metrics.forEach((metric, i) => {
      const [cSum = -1, cCount = -1, cMin = -1, cMax = -1] = columns[i] ?? [];
      if (cSum < 0) return;
      // Points come in time order within a series: one running aggregate per bucket.
      let bucket = Number.NaN;
      let sum = 0;
      let count = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      // Two literal shapes rather than a spread: a 1-hour read emits a row per point.
      const emit = () => {
        if (count === 0) return;
        out.push(
          device === undefined
            ? { greenhouse: gh, metric, bucket, sum, count, min, max }
            : { greenhouse: gh, device, metric, bucket, sum, count, min, max },
        );
      };
      for (const row of series.values ?? []) {
        const t = row[0];
        const s = row[cSum];
        if (typeof t !== 'number' || typeof s !== 'number') continue;
        const n = source === 'raw' ? 1 : row[cCount];
        const lo = source === 'raw' ? s : row[cMin];
        const hi = source === 'raw' ? s : row[cMax];
        if (typeof n !== 'number' || typeof lo !== 'number' || typeof hi !== 'number' || n <= 0) continue;
        const b = t - (t % step);
        if (b !== bucket) {
          emit();
          bucket = b;
          sum = 0;
          count = 0;
          min = Number.POSITIVE_INFINITY;
          max = Number.NEGATIVE_INFINITY;
        }
        sum += s;
        count += n;
        if (lo < min) min = lo;
        if (hi > max) max = hi;
      }
      emit();
    });
  }
  return out;
}

/**
 * Raw points of every greenhouse and device for these fields (the maintainer's read of an hour),
 * to be folded by bucketPoints: cheaper for InfluxDB 1.6 than 60 windows × 4 aggregates per field and series.
 */
export function rawPointsStatement(fields: readonly string[], from: number, to: number): string {
  return (
    `SELECT ${plainSelects('raw', fields)} FROM ${quoteIdent(MEASUREMENT)} WHERE ${timeRange(from, to)} ` +
    `GROUP BY ${quoteIdent('device')}, ${quoteIdent('greenhouse')}`
  );
}

/**
 * Rollups of a level regrouped into `stepMs` buckets, every greenhouse and device, for these
 * metrics (the maintainer's read; read with toLevelRows): point by point up to PLAIN_MAX_POINTS per
 * series, as history pieces are, which keeps a backfill's day of 1-minute rollups cheap.
 */
export function levelAggregateStatement(level: RollupLevel, metrics: readonly string[], from: number, to: number, stepMs: number): string {
  const plain = readsPlain({ source: level, from, to, stepMs });
  return (
    `SELECT ${plain ? plainSelects(level, metrics) : selects(level, metrics)} FROM ${quoteIdent(SOURCE_MEASUREMENT[level])} ` +
    `WHERE ${timeRange(from, to)} GROUP BY ${plain ? '' : `time(${stepMs}ms), `}${quoteIdent('device')}, ${quoteIdent('greenhouse')}` +
    (plain ? '' : ' fill(none)')
  );
}

/** Rows of a levelAggregateStatement answer. */
export function toLevelRows(
  result: InfluxResult | undefined,
  level: RollupLevel,
  from: number,
  to: number,
  stepMs: number,
  metrics: readonly string[],
): AggregateRow[] {
  return readsPlain({ source: level, from, to, stepMs }) ? bucketPoints(result, level, stepMs, metrics) : toAggregateRows(result, metrics);
}

/** The fields of a rollup level, whose `<metric>__count` names its metrics. */
export function levelFieldKeysStatement(level: RollupLevel): string {
  return `SHOW FIELD KEYS FROM ${quoteIdent(SOURCE_MEASUREMENT[level])}`;
}

/** Metric keys of a levelFieldKeysStatement answer. */
export function toLevelMetrics(result: InfluxResult | undefined): string[] {
  const keys = (result?.series ?? []).flatMap((s) => (s.values ?? []).map((row) => row[0]));
  return keys
    .filter((k): k is string => typeof k === 'string' && k.endsWith('__count'))
    .map((k) => k.slice(0, -'__count'.length))
    .filter((metric) => parseMetricKey(metric) !== undefined);
}

/** The oldest point of each metric of a level (one statement per field: `first` over several reports time 0). */
export function oldestStatements(level: RollupLevel, metrics: readonly string[]): string[] {
  return metrics.map((m) => `SELECT first(${quoteIdent(`${m}__count`)}) FROM ${quoteIdent(SOURCE_MEASUREMENT[level])}`);
}

/** The earliest time in answers to oldestStatements. */
export function toOldest(results: readonly InfluxResult[]): number | undefined {
  let oldest: number | undefined;
  for (const result of results) {
    const time = result.series?.[0]?.values?.[0]?.[0];
    if (typeof time === 'number' && (oldest === undefined || time < oldest)) oldest = time;
  }
  return oldest;
}

/** Rows of an aggregating pieceStatement or levelAggregateStatement answer; a metric without data in a bucket is left out. */
export function toAggregateRows(result: InfluxResult | undefined, metrics: readonly string[], greenhouse?: string): AggregateRow[] {
  const out: AggregateRow[] = [];
  for (const series of result?.series ?? []) {
    const device = series.tags?.device || undefined;
    const gh = greenhouse ?? series.tags?.greenhouse;
    if (gh === undefined) continue;
    const columns = metrics.map((_, i) => AGGREGATES.map((agg) => series.columns.indexOf(column(i, agg))));
    for (const row of series.values ?? []) {
      const bucket = row[0];
      if (typeof bucket !== 'number') continue;
      metrics.forEach((metric, i) => {
        const [sum, count, min, max] = (columns[i] ?? []).map((c) => row[c]);
        if (typeof sum !== 'number' || typeof count !== 'number' || typeof min !== 'number' || typeof max !== 'number' || count <= 0)
          return;
        out.push({ greenhouse: gh, ...(device === undefined ? {} : { device }), metric, bucket, sum, count, min, max });
      });
    }
  }
  return out;
}

/**
 * Rollup rows as points, the metrics of one device (or greenhouse, for rows without a device:
 * greenhouse rollups) and bucket as fields of one point.
 */
export function rollupLines(level: RollupLevel, rows: readonly AggregateRow[]): string {
  const points = new Map<string, Point>();
  for (const r of rows) {
    const key = `${r.device ?? ''}\n${r.greenhouse}\n${r.bucket}`;
    let point = points.get(key);
    if (!point) {
      point =
        r.device === undefined ? new Point(GREENHOUSE_MEASUREMENT[level]) : new Point(SOURCE_MEASUREMENT[level]).tag('device', r.device);
      point.tag('greenhouse', r.greenhouse).timestamp(r.bucket);
      points.set(key, point);
    }
    point
      .floatField(`${r.metric}__sum`, r.sum)
      .intField(`${r.metric}__count`, r.count)
      .floatField(`${r.metric}__min`, r.min)
      .floatField(`${r.metric}__max`, r.max);
  }
  return linesOf(points.values());
}

/** One point per hour touched, at the hour, so a rewrite of the hour only moves its mark forward. */
export function dirtyLines(hours: Iterable<number>, markedAt: number): string {
  return linesOf([...hours].map((hour) => new Point(DIRTY_MEASUREMENT).intField('marked_at', markedAt).timestamp(hour)));
}

/** Stamped at the cursor itself, so a bucket retention policy keeps the newest one. */
export function cursorLine(cursor: number): string {
  return linesOf([new Point(STATE_MEASUREMENT).intField('cursor', cursor).timestamp(cursor)]);
}

/** What a backfill fills: the levels added after 1 minute and 1 hour, or the greenhouse rollups. */
export type Backfill = 'levels' | 'greenhouses';
const BACKFILL_FIELD: Readonly<Record<Backfill, string>> = { levels: 'backfilled_from', greenhouses: 'greenhouses_from' };

/** Stamped when written: the newest stamp is the current value. */
export function backfillLine(what: Backfill, from: number, at: number): string {
  return linesOf([new Point(STATE_MEASUREMENT).intField(BACKFILL_FIELD[what], from).timestamp(at)]);
}

export function backfillStatement(what: Backfill): string {
  return `SELECT last(${quoteIdent(BACKFILL_FIELD[what])}) FROM ${quoteIdent(STATE_MEASUREMENT)}`;
}

export function cursorStatement(): string {
  return `SELECT last(${quoteIdent('cursor')}) FROM ${quoteIdent(STATE_MEASUREMENT)}`;
}

/** The value of a cursorStatement or backfillStatement answer. */
export function toCursor(result: InfluxResult | undefined): number | undefined {
  const value = result?.series?.[0]?.values?.[0]?.[1];
  return typeof value === 'number' ? value : undefined;
}

export function dirtyStatement(markedSince: number, within?: { from: number; to: number }): string {
  const where = [`${quoteIdent('marked_at')} >= ${Math.trunc(markedSince)}`, ...(within ? [timeRange(within.from, within.to)] : [])];
  return `SELECT ${quoteIdent('marked_at')} FROM ${quoteIdent(DIRTY_MEASUREMENT)} WHERE ${where.join(' AND ')}`;
}

export function toDirtyHours(result: InfluxResult | undefined): DirtyHour[] {
  const out: DirtyHour[] = [];
  for (const [hour, markedAt] of result?.series?.[0]?.values ?? []) {
    if (typeof hour === 'number' && typeof markedAt === 'number') out.push({ hour, markedAt });
  }
  return out.sort((a, b) => a.markedAt - b.markedAt || a.hour - b.hour);
}

/** Statements dropping every series of these greenhouses, raw and rolled up (a farm's erasure; InfluxDB 1.x only). */
export function dropGreenhouseStatements(greenhouses: readonly string[]): string[] {
  const where = greenhouses.map((g) => `${quoteIdent('greenhouse')} = ${quoteString(g)}`).join(' OR ');
  return [...Object.values(SOURCE_MEASUREMENT), ...Object.values(GREENHOUSE_MEASUREMENT)].map(
    (m) => `DROP SERIES FROM ${quoteIdent(m)} WHERE ${where}`,
  );
}

/** Statements deleting a source's data before `cutoff` (InfluxDB 1.x only; the dirty log goes with raw data). */
export function deleteStatements(source: Source, cutoff: number): string[] {
  const measurements = source === 'raw' ? [MEASUREMENT, DIRTY_MEASUREMENT] : [SOURCE_MEASUREMENT[source], GREENHOUSE_MEASUREMENT[source]];
  return measurements.map((m) => `DELETE FROM ${quoteIdent(m)} WHERE time < ${cutoff}ms`);
}

function linesOf(points: Iterable<Point>): string {
  const lines: string[] = [];
  for (const point of points) {
    const line = point.toLineProtocol(SETTINGS);
    if (line !== undefined) lines.push(line);
  }
  return lines.join('\n');
}
