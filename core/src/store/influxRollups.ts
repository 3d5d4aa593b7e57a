/** RollupStorage on InfluxDB, plus the history-piece reads of the Influx store, over the v1 endpoints. */
import type { Piece, RollupState } from './historyPlan.ts';
import type { InfluxHttp } from './influxHttp.ts';
import { fieldKeysQuery, joinStatements } from './influxQl.ts';
import { toFieldKeys } from './influxResponse.ts';
import {
  type Backfill,
  backfillLine,
  backfillStatement,
  bucketPoints,
  cursorLine,
  cursorStatement,
  deleteStatements,
  dirtyLines,
  dirtyStatement,
  levelAggregateStatement,
  levelFieldKeysStatement,
  oldestStatements,
  pieceStatement,
  rawPointsStatement,
  rollupLines,
  toCursor,
  toDirtyHours,
  toLevelMetrics,
  toLevelRows,
  toOldest,
  toPieceRows,
} from './influxRollupQl.ts';
import { type AggregateRow, createMarkClock, HOUR_MS, type RollupLevel, type RollupStorage } from './rollups.ts';
import { type StoredReading, StoreError } from './timeSeriesStore.ts';

/** Fields per maintainer statement, so each stays well within a URL's length. */
const FIELDS_PER_STATEMENT = 16;
/** Rollup points per POST, like ingest's batches. */
const ROWS_PER_WRITE = 5_000;

export interface InfluxRollups extends RollupStorage {
  /** Line protocol marking the hours these readings touch. */
  dirtyMarksOf(readings: readonly StoredReading[]): string;
  /** Dirty hours overlapping [from, to) not yet rolled up (all of them before the first maintenance), and the backfill's progress. */
  rollupState(from: number, to: number): Promise<RollupState>;
  pieces(pieces: readonly Piece[], greenhouse: string, metrics: readonly string[], byDevice: boolean): Promise<AggregateRow[]>;
}

export function createInfluxRollups(http: InfluxHttp, ensureOpen: () => void): InfluxRollups {
  const markClock = createMarkClock();
  /** Device and greenhouse rows alike: rollupLines puts each in its measurement. */
  const writeRollups = async (level: RollupLevel, rows: readonly AggregateRow[]) => {
    ensureOpen();
    for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) await http.write([rollupLines(level, rows.slice(i, i + ROWS_PER_WRITE))]);
  };
  /** A backfill's progress mark in `rollup_state`. */
  const backfillMark = (what: Backfill) => ({
    async readBackfilledFrom() {
      ensureOpen();
      return toCursor((await http.read(backfillStatement(what)))[0]);
    },
    async writeBackfilledFrom(from: number) {
      ensureOpen();
      await http.write([backfillLine(what, from, markClock())]);
    },
  });
  const readAll = async (statements: readonly string[]) => (await Promise.all(joinStatements(statements).map((q) => http.read(q)))).flat();

  return {
    dirtyMarksOf(readings) {
      // No array the size of the batch (up to INGEST_BATCH_SIZE readings) on the way to the few hours it touches.
      const hours = new Set<number>();
      for (const r of readings) hours.add(r.ts - (r.ts % HOUR_MS));
      return dirtyLines(hours, markClock());
    },

    async rollupState(from, to) {
      const [cursor, backfill, greenhouses, dirty] = await readAll([
        cursorStatement(),
        backfillStatement('levels'),
        backfillStatement('greenhouses'),
        dirtyStatement(Number.MIN_SAFE_INTEGER, { from: from - HOUR_MS + 1, to }),
      ]);
      const since = toCursor(cursor) ?? Number.MIN_SAFE_INTEGER;
      return {
        dirtyHours: toDirtyHours(dirty)
          .filter((d) => d.markedAt >= since)
          .map((d) => d.hour),
        backfilledFrom: toCursor(backfill),
        greenhouseFrom: toCursor(greenhouses),
      };
    },

    async pieces(pieces, greenhouse, metrics, byDevice) {
      const results = await readAll(pieces.map((p) => pieceStatement(p, greenhouse, metrics, byDevice)));
      return pieces.flatMap((piece, i) => toPieceRows(results[i], piece, metrics, greenhouse));
    },

    async aggregateRaw(hours, stepMs) {
      ensureOpen();
      const fields = toFieldKeys((await http.read(fieldKeysQuery()))[0]);
      const groups: string[][] = [];
      for (let i = 0; i < fields.length; i += FIELDS_PER_STATEMENT) groups.push(fields.slice(i, i + FIELDS_PER_STATEMENT));
      const statements = hours.flatMap((hour) => groups.map((g) => ({ g, q: rawPointsStatement(g, hour, hour + HOUR_MS) })));
      const results = await readAll(statements.map((s) => s.q));
      return statements.flatMap((s, i) => bucketPoints(results[i], 'raw', stepMs, s.g));
    },

    async aggregateLevel(level, from, to, stepMs) {
      ensureOpen();
      const metrics = toLevelMetrics((await http.read(levelFieldKeysStatement(level)))[0]);
      const groups: string[][] = [];
      for (let i = 0; i < metrics.length; i += FIELDS_PER_STATEMENT) groups.push(metrics.slice(i, i + FIELDS_PER_STATEMENT));
      const statements = groups.map((g) => ({ g, q: levelAggregateStatement(level, g, from, to, stepMs) }));
      const results = await readAll(statements.map((s) => s.q));
      return statements.flatMap((s, i) => toLevelRows(results[i], level, from, to, stepMs, s.g));
    },

    async oldestRollup(level) {
      ensureOpen();
      const metrics = toLevelMetrics((await http.read(levelFieldKeysStatement(level)))[0]);
      return metrics.length === 0 ? undefined : toOldest(await readAll(oldestStatements(level, metrics)));
    },

    ...backfillMark('levels'),
    writeRollups,
    greenhouses: { write: writeRollups, ...backfillMark('greenhouses') },

    async dirtyHours(markedSince, within) {
      ensureOpen();
      return toDirtyHours((await http.read(dirtyStatement(markedSince, within)))[0]);
    },

    async readCursor() {
      ensureOpen();
      return toCursor((await http.read(cursorStatement()))[0]);
    },

    async writeCursor(cursor) {
      ensureOpen();
      await http.write([cursorLine(cursor)]);
    },

    async deleteBefore(source, cutoff) {
      ensureOpen();
      try {
        for (const statement of deleteStatements(source, cutoff)) await http.exec(statement);
        return true;
      } catch (err) {
        // 2.x answers that its v1 /query is read-only and 3.x has no DELETE: retention is the bucket's there.
        if (err instanceof StoreError && err.code === 'CANOPY_STORE_QUERY') return false;
        throw err;
      }
    },
  };
}
