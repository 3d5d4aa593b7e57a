import { StoreError, StoreHttpError } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { classifyWriteError, partialWrite } from './writeErrors.ts';

const http = (status: number, retryAfterSec?: number, body = '') =>
  new StoreHttpError('CANOPY_STORE_WRITE', status, retryAfterSec, 'x', body);

describe('classifyWriteError', () => {
  it('retries network errors, 5xx, 429 and 503, converting Retry-After from seconds', () => {
    expect(classifyWriteError(new StoreError('CANOPY_STORE_UNREACHABLE', 'down'))).toEqual({ kind: 'retry' });
    expect(classifyWriteError(http(500))).toEqual({ kind: 'retry' });
    expect(classifyWriteError(http(429, 3))).toEqual({ kind: 'retry', afterMs: 3_000 });
    expect(classifyWriteError(http(503, 0))).toEqual({ kind: 'retry', afterMs: 0 });
  });

  it('retries a refused token or a missing database instead of dropping readings', () => {
    expect(classifyWriteError(http(401)).kind).toBe('retry');
    expect(classifyWriteError(http(404)).kind).toBe('retry');
  });

  it('treats a 400 as a partial write and reads what was dropped', () => {
    expect(classifyWriteError(http(400, undefined, '{"error":"partial write: points beyond retention policy dropped=3"}'))).toEqual({
      kind: 'dropped',
      reason: 'beyond_retention',
      points: 3,
    });
  });
});

describe('partialWrite', () => {
  it('counts unparsable lines when InfluxDB lists them', () => {
    expect(partialWrite("unable to parse 'a b': invalid field format\nunable to parse 'c d': invalid field format")).toEqual({
      reason: 'unparsable',
      points: 2,
    });
  });

  it('says so when the server does not tell how many', () => {
    expect(partialWrite('bad request')).toEqual({ reason: 'rejected', points: undefined });
  });
});
