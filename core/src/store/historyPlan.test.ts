import { describe, expect, it } from 'vitest';
import { assembleSeries, levelsFor, type Piece, planRange } from './historyPlan.ts';
import { BACKFILL_DONE } from './rollups.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1);
const q = { greenhouse: 'gh', metrics: ['ph'], byDevice: false };
const state = (dirtyHours: number[], backfilledFrom: number | undefined = BACKFILL_DONE) => ({ dirtyHours, backfilledFrom });
const minutes = (pieces: readonly Piece[]) => pieces.map((p) => [p.source, (p.from - T0) / MIN, (p.to - T0) / MIN]);

describe('planRange', () => {
  it('reads raw data when the step is not a whole number of minutes', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + HOUR, stepMs: 10_000 });
    expect(plan.interior).toBeUndefined();
    expect(plan.pieces(state([]))).toEqual([{ source: 'raw', from: T0, to: T0 + HOUR, stepMs: 10_000 }]);
  });

  it('picks the levels whose interval divides the step, coarsest first', () => {
    expect(levelsFor(12 * HOUR)).toEqual(['6h', '1h', '15m', '5m', '2m', '1m']);
    expect(levelsFor(2 * HOUR)).toEqual(['1h', '15m', '5m', '2m', '1m']);
    expect(levelsFor(10 * MIN)).toEqual(['5m', '2m', '1m']);
    expect(levelsFor(2 * MIN)).toEqual(['2m', '1m']);
    expect(levelsFor(MIN)).toEqual(['1m']);
    expect(levelsFor(30_000)).toEqual([]);
  });

  it('serves whole hours from 1-hour rollups, the partial ends from finer levels and dirty hours raw', () => {
    const plan = planRange({ ...q, from: T0 - 5 * MIN - 1, to: T0 + 10 * HOUR + 20 * MIN + 1, stepMs: 2 * HOUR });
    expect(plan.interior).toEqual({ level: '1h', from: T0 - 5 * MIN, to: T0 + 10 * HOUR + 20 * MIN });
    expect(minutes(plan.pieces(state([T0 + 3 * HOUR, T0 + 4 * HOUR, T0 + 9 * HOUR])))).toEqual([
      ['raw', -5 - 1 / MIN, -5],
      ['5m', -5, 0],
      ['1h', 0, 180],
      ['raw', 180, 300],
      ['1h', 300, 540],
      ['raw', 540, 600],
      ['15m', 600, 615],
      ['5m', 615, 620],
      ['raw', 620, 620 + 1 / MIN],
    ]);
  });

  it('serves the middle of a long range from 6-hour rollups, going finer only where a dirty hour makes one stale', () => {
    const plan = planRange({ ...q, from: T0 + 5 * HOUR, to: T0 + 3 * DAY, stepMs: 12 * HOUR });
    expect(minutes(plan.pieces(state([T0 + 26 * HOUR])))).toEqual([
      ['1h', 5 * 60, 6 * 60],
      ['6h', 6 * 60, 24 * 60],
      ['1h', 24 * 60, 26 * 60],
      ['raw', 26 * 60, 27 * 60],
      ['1h', 27 * 60, 30 * 60],
      ['6h', 30 * 60, 72 * 60],
    ]);
  });

  it('reads levels still being backfilled only where they are complete', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + 2 * DAY, stepMs: 12 * HOUR });
    expect(minutes(plan.pieces(state([], T0 + 31 * HOUR)))).toEqual([
      ['1h', 0, 36 * 60],
      ['6h', 36 * 60, 48 * 60],
    ]);
    expect(minutes(plan.pieces({ dirtyHours: [], backfilledFrom: undefined }))).toEqual([['1h', 0, 48 * 60]]);
  });

  it('reads greenhouse rollups for merged queries where they are complete, device rollups elsewhere and per device', () => {
    const plan = planRange({ ...q, from: T0 + 5 * HOUR, to: T0 + 3 * DAY, stepMs: 12 * HOUR });
    const merged = (pieces: readonly Piece[]) => pieces.map((p) => [...(minutes([p])[0] ?? []), p.merged ?? false]);
    // Complete from 09:30 on day 2: the 6-hour piece is cut at the next interval, and raw pieces are never merged.
    expect(merged(plan.pieces({ ...state([T0 + 26 * HOUR]), greenhouseFrom: T0 + 33 * HOUR + 30 * MIN }))).toEqual([
      ['1h', 5 * 60, 6 * 60, false],
      ['6h', 6 * 60, 24 * 60, false],
      ['1h', 24 * 60, 26 * 60, false],
      ['raw', 26 * 60, 27 * 60, false],
      ['1h', 27 * 60, 30 * 60, false],
      ['6h', 30 * 60, 36 * 60, false],
      ['6h', 36 * 60, 72 * 60, true],
    ]);
    expect(merged(plan.pieces({ ...state([]), greenhouseFrom: BACKFILL_DONE }))).toEqual([
      ['1h', 5 * 60, 6 * 60, true],
      ['6h', 6 * 60, 72 * 60, true],
    ]);
    const byDevice = planRange({ ...q, byDevice: true, from: T0, to: T0 + DAY, stepMs: 12 * HOUR });
    expect(byDevice.pieces({ ...state([]), greenhouseFrom: BACKFILL_DONE }).some((p) => p.merged)).toBe(false);
  });

  it('serves whole minutes from minute rollups, a dirty hour cut to the range', () => {
    const plan = planRange({ ...q, from: T0 + 29 * MIN, to: T0 + 2 * HOUR + 3 * MIN, stepMs: 2 * MIN });
    expect(minutes(plan.pieces(state([T0])))).toEqual([
      ['raw', 29, 60],
      ['2m', 60, 122],
      ['1m', 122, 123],
    ]);
  });

  it('folds hours into local days for a whole-day step with a time zone', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + 3 * DAY, stepMs: DAY, timeZone: 'Asia/Ho_Chi_Minh' });
    expect(plan.interior?.level).toBe('1h');
    expect(plan.pieces(state([])).map((p) => p.stepMs)).toEqual([HOUR]);
    expect(plan.bucketOf?.(T0 + 16 * HOUR)).toBe(T0 - 7 * HOUR);
    expect(plan.bucketOf?.(T0 + 17 * HOUR)).toBe(T0 + 17 * HOUR);
  });

  it('folds 6-hour rollups into UTC days, 15-minute ones when local midnight is not on the hour', () => {
    expect(planRange({ ...q, from: T0, to: T0 + 3 * DAY, stepMs: DAY, timeZone: 'UTC' }).interior?.level).toBe('6h');
    const plan = planRange({ ...q, from: T0, to: T0 + 3 * DAY, stepMs: DAY, timeZone: 'Asia/Kolkata' });
    expect(plan.interior?.level).toBe('15m');
    expect(plan.bucketOf?.(T0 + 18 * HOUR + 29 * MIN)).toBe(T0 - 5.5 * HOUR);
    expect(plan.bucketOf?.(T0 + 18 * HOUR + 30 * MIN)).toBe(T0 + 18.5 * HOUR);
  });
});

describe('assembleSeries', () => {
  it('combines pieces of one bucket exactly (sum over count, not a mean of means)', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + DAY, stepMs: DAY });
    const rows = [
      { greenhouse: 'gh', metric: 'ph', bucket: T0, sum: 10, count: 1, min: 10, max: 10 },
      { greenhouse: 'gh', metric: 'ph', bucket: T0, sum: 6, count: 3, min: 1, max: 3 },
      { greenhouse: 'gh', metric: 'air_temp_c', bucket: T0, sum: 0, count: 0, min: 0, max: 0 },
    ];
    expect(assembleSeries({ ...q, from: T0, to: T0 + DAY, stepMs: DAY }, plan, rows)).toEqual([{ metric: 'ph', points: [[T0, 4, 1, 10]] }]);
  });
});
