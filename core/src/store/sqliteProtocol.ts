/** Messages between the SQLite store (main thread) and the worker thread that owns the connection. */
import type { HistorySeries } from '../history.ts';
import type { AggregateRow, DirtyHour, RollupLevel, Source } from './rollups.ts';
import type { LatestValue, RangeQuery, StoredReading } from './timeSeriesStore.ts';

export interface SqliteWorkerData {
  readonly file: string;
}

export type SqliteRequest =
  | { readonly op: 'write'; readonly readings: readonly StoredReading[] }
  | { readonly op: 'latest'; readonly greenhouses: readonly string[] }
  | { readonly op: 'range'; readonly query: RangeQuery }
  | { readonly op: 'deleteGreenhouses'; readonly greenhouses: readonly string[] }
  | { readonly op: 'aggregateRaw'; readonly hours: readonly number[]; readonly stepMs: number }
  | { readonly op: 'aggregateLevel'; readonly level: RollupLevel; readonly from: number; readonly to: number; readonly stepMs: number }
  | { readonly op: 'writeRollups'; readonly level: RollupLevel; readonly rows: readonly AggregateRow[] }
  | { readonly op: 'dirtyHours'; readonly markedSince: number; readonly within?: { from: number; to: number } }
  | { readonly op: 'readCursor' }
  | { readonly op: 'writeCursor'; readonly cursor: number }
  | { readonly op: 'readBackfilledFrom' }
  | { readonly op: 'writeBackfilledFrom'; readonly from: number }
  | { readonly op: 'oldestRollup'; readonly level: RollupLevel }
  | { readonly op: 'deleteBefore'; readonly source: Source; readonly cutoff: number }
  | { readonly op: 'close' };

export type SqliteOp = SqliteRequest['op'];

export interface SqliteResults {
  write: null;
  latest: LatestValue[];
  range: HistorySeries[];
  deleteGreenhouses: null;
  aggregateRaw: AggregateRow[];
  aggregateLevel: AggregateRow[];
  writeRollups: null;
  dirtyHours: DirtyHour[];
  readCursor: number | null;
  writeCursor: null;
  readBackfilledFrom: number | null;
  writeBackfilledFrom: null;
  oldestRollup: number | null;
  deleteBefore: boolean;
  close: null;
}

/** Main → worker. */
export interface SqliteCall {
  readonly id: number;
  readonly request: SqliteRequest;
}

/** Worker → main: `ready` once the file is open, then one reply per call, in call order. */
export type SqliteWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly message: string };
