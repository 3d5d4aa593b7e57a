/**
 * What to do about a failed store write. Only a 400 loses anything: InfluxDB has then written
 * the good lines of the batch and refused the bad ones, so resending would refuse them again.
 * Every other failure is retried, including 401/403/404: a wrong token or a missing database
 * is fixed by an operator, and the readings must still be there when it is.
 */
import { StoreError, StoreHttpError } from '@canopy/core/node';

export type DropReason = 'field_type_conflict' | 'beyond_retention' | 'unparsable' | 'limit_exceeded' | 'invalid' | 'rejected';
export const DROP_REASONS: readonly DropReason[] = [
  'field_type_conflict',
  'beyond_retention',
  'unparsable',
  'limit_exceeded',
  'invalid',
  'rejected',
];

export type WriteFailure =
  /** `afterMs` is the server's Retry-After, converted from the seconds it is sent in. */
  | { readonly kind: 'retry'; readonly afterMs?: number }
  /** `points` is what the server said it dropped; undefined when it did not say. */
  | { readonly kind: 'dropped'; readonly reason: DropReason; readonly points: number | undefined };

export function classifyWriteError(err: unknown): WriteFailure {
  if (err instanceof StoreHttpError) {
    if (err.status === 400) return { kind: 'dropped', ...partialWrite(err.body || err.message) };
    return err.retryAfterSec === undefined ? { kind: 'retry' } : { kind: 'retry', afterMs: err.retryAfterSec * 1_000 };
  }
  // Readings are validated before they are journaled; a store refusing one anyway must not wedge the queue.
  if (err instanceof StoreError && err.code === 'CANOPY_STORE_INVALID') return { kind: 'dropped', reason: 'invalid', points: undefined };
  return { kind: 'retry' };
}

/** InfluxDB 1.x: `partial write: <why> dropped=N`, or `unable to parse '<line>': <why>` per bad line. */
export function partialWrite(text: string): { reason: DropReason; points: number | undefined } {
  const reason: DropReason = /field type conflict/.test(text)
    ? 'field_type_conflict'
    : /beyond retention/.test(text)
      ? 'beyond_retention'
      : /unable to parse/.test(text)
        ? 'unparsable'
        : /max-(values-per-tag|series-per-database)/.test(text)
          ? 'limit_exceeded'
          : 'rejected';
  const dropped = [...text.matchAll(/dropped=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  if (dropped > 0) return { reason, points: dropped };
  const unparsable = text.match(/unable to parse/g)?.length ?? 0;
  return { reason, points: unparsable > 0 ? unparsable : undefined };
}
