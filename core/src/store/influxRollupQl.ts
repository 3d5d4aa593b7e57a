/**
 * InfluxQL and line protocol for history pieces and rollups on InfluxDB. Rollups are points of
 * `telemetry_1m` / `telemetry_1h` (tags device, greenhouse; fields `<metric>__sum`, `__count`,
 * `__min`, `__max`); `rollup_dirty` holds one point per hour whose raw data changed (field
 * `marked_at`), `rollup_state` the maintainer's cursor. Identifiers and literals are quoted as
 * in influxQl.ts; values are checked before they get here.
 */
import { Point } from '@influxdata/influxdb-client';
import type { Piece } from './historyPlan.ts';
import { MEASUREMENT, quoteIdent, quoteString } from './influxQl.ts';
import type { InfluxResult } from './influxResponse.ts';
import type { AggregateRow, DirtyHour, RollupLevel, Source } from './rollups.ts';

export const DIRTY_MEASUREMENT = 'rollup_dirty';
export const STATE_MEASUREMENT = 'rollup_state';
const SOURCE_MEASUREMENT: Readonly<Record<Source, string>> = { raw: MEASUREMENT, '1m': 'telemetry_1m', '1h': 'telemetry_1h' };
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

/** One history piece of one greenhouse, all its metrics in one statement. */
export function pieceStatement(piece: Piece, greenhouse: string, metrics: readonly string[], byDevice: boolean): string {
  const groupBy = [`time(${piece.stepMs}ms)`, ...(byDevice ? [quoteIdent('device')] : [])].join(', ');
  return (
    `SELECT ${selects(piece.source, metrics)} FROM ${quoteIdent(SOURCE_MEASUREMENT[piece.source])} ` +
    `WHERE ${quoteIdent('greenhouse')} = ${quoteString(greenhouse)} AND ${timeRange(piece.from, piece.to)} ` +
    `GROUP BY ${groupBy} fill(none)`
  );
}

/** Raw aggregates of every greenhouse and device for these fields (the maintainer's read). */
export function rawAggregateStatement(fields: readonly string[], from: number, to: number, stepMs: number): string {
  return (
    `SELECT ${selects('raw', fields)} FROM ${quoteIdent(MEASUREMENT)} WHERE ${timeRange(from, to)} ` +
    `GROUP BY time(${stepMs}ms), ${quoteIdent('device')}, ${quoteIdent('greenhouse')} fill(none)`
  );
}

/** Rows of a pieceStatement or rawAggregateStatement answer; a metric without data in a bucket is left out. */
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

/** Rollup rows as points, the metrics of one device and bucket as fields of one point. */
export function rollupLines(level: RollupLevel, rows: readonly AggregateRow[]): string {
  const points = new Map<string, Point>();
  for (const r of rows) {
    const device = r.device ?? '';
    const key = `${device}\n${r.greenhouse}\n${r.bucket}`;
    let point = points.get(key);
    if (!point) {
      point = new Point(SOURCE_MEASUREMENT[level]).tag('device', device).tag('greenhouse', r.greenhouse).timestamp(r.bucket);
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

export function cursorStatement(): string {
  return `SELECT last(${quoteIdent('cursor')}) FROM ${quoteIdent(STATE_MEASUREMENT)}`;
}

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
  return Object.values(SOURCE_MEASUREMENT).map((m) => `DROP SERIES FROM ${quoteIdent(m)} WHERE ${where}`);
}

/** Statements deleting a source's data before `cutoff` (InfluxDB 1.x only; the dirty log goes with raw data). */
export function deleteStatements(source: Source, cutoff: number): string[] {
  const measurements = source === 'raw' ? [MEASUREMENT, DIRTY_MEASUREMENT] : [SOURCE_MEASUREMENT[source]];
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
