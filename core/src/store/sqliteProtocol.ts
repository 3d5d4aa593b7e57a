/** Messages between the SQLite store (main thread) and the worker thread that owns the connection. */
import type { HistorySeries } from '../history.ts';
import type { LatestValue, RangeQuery, StoredReading } from './timeSeriesStore.ts';

export interface SqliteWorkerData {
  readonly file: string;
}

export type SqliteRequest =
  | { readonly op: 'write'; readonly readings: readonly StoredReading[] }
  | { readonly op: 'latest'; readonly greenhouses: readonly string[] }
  | { readonly op: 'range'; readonly query: RangeQuery }
  | { readonly op: 'close' };

export type SqliteOp = SqliteRequest['op'];

export interface SqliteResults {
  write: null;
  latest: LatestValue[];
  range: HistorySeries[];
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
