import { describe, expect, it } from 'vitest';
import { assembleSeries, planRange } from './historyPlan.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1);
const q = { greenhouse: 'gh', metrics: ['ph'], byDevice: false };

describe('planRange', () => {
  it('reads raw data when the step is not a whole number of minutes', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + HOUR, stepMs: 10_000 });
    expect(plan.interior).toBeUndefined();
    expect(plan.pieces([])).toEqual([{ source: 'raw', from: T0, to: T0 + HOUR, stepMs: 10_000 }]);
  });

  it('serves whole hours from 1-hour rollups, the partial ends and dirty hours raw', () => {
    const plan = planRange({ ...q, from: T0 - 5 * MIN, to: T0 + 10 * HOUR + 1, stepMs: 2 * HOUR });
    expect(plan.interior).toEqual({ level: '1h', from: T0, to: T0 + 10 * HOUR });
    expect(
      plan.pieces([T0 + 3 * HOUR, T0 + 4 * HOUR, T0 + 9 * HOUR]).map((p) => [p.source, (p.from - T0) / MIN, (p.to - T0) / MIN]),
    ).toEqual([
      ['raw', -5, 0],
      ['1h', 0, 180],
      ['raw', 180, 300],
      ['1h', 300, 540],
      ['raw', 540, (10 * HOUR + 1) / MIN],
    ]);
  });

  it('serves whole minutes from 1-minute rollups, a dirty hour cut to the range', () => {
    const plan = planRange({ ...q, from: T0 + 30 * MIN, to: T0 + 2 * HOUR, stepMs: 2 * MIN });
    expect(plan.pieces([T0]).map((p) => [p.source, (p.from - T0) / MIN, (p.to - T0) / MIN])).toEqual([
      ['raw', 30, 60],
      ['1m', 60, 120],
    ]);
  });

  it('folds hours into local days for a whole-day step with a time zone', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + 3 * DAY, stepMs: DAY, timeZone: 'Asia/Ho_Chi_Minh' });
    expect(plan.interior?.level).toBe('1h');
    expect(plan.bucketOf?.(T0 + 16 * HOUR)).toBe(T0 - 7 * HOUR);
    expect(plan.bucketOf?.(T0 + 17 * HOUR)).toBe(T0 + 17 * HOUR);
  });

  it('folds minutes when local midnight is not on the hour', () => {
    const plan = planRange({ ...q, from: T0, to: T0 + 3 * DAY, stepMs: DAY, timeZone: 'Asia/Kolkata' });
    expect(plan.interior?.level).toBe('1m');
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
