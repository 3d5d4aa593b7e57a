import type { HistoryPoint } from '@canopy/core';
import { describe, expect, it } from 'vitest';
import { appendReading, applyReadings, countByGroup, fromHistory, MAX_POINTS, type Series } from './series.ts';

const HOUR = 3_600_000;
const raw = { stepMs: 10_000, raw: true, windowMs: HOUR };
const bucketed = { stepMs: 60_000, raw: false, windowMs: 24 * HOUR };

describe('appending live readings', () => {
  it('appends raw points in time order and replaces a duplicate', () => {
    let s: Series = { points: [[1_000, 20, 19, 21]], tailCount: 0 };
    s = appendReading(s, 3_000, 22, raw);
    s = appendReading(s, 2_000, 21, raw);
    s = appendReading(s, 3_000, 23, raw);
    expect(s.points).toEqual([
      [1_000, 20, 19, 21],
      [2_000, 21, 21, 21],
      [3_000, 23, 23, 23],
    ]);
  });

  it('keeps at most MAX_POINTS, dropping the oldest', () => {
    let s: Series = { points: [], tailCount: 0 };
    for (let i = 0; i < MAX_POINTS + 50; i++) s = appendReading(s, i * 1_000, i, raw);
    expect(s.points).toHaveLength(MAX_POINTS);
    expect(s.points[0]?.[0]).toBe(50_000);
  });

  it('drops points that slid out of the window', () => {
    let s: Series = { points: [[0, 1, 1, 1]], tailCount: 0 };
    s = appendReading(s, HOUR + 5_000, 2, raw);
    expect(s.points).toEqual([[HOUR + 5_000, 2, 2, 2]]);
  });

  it('folds readings into a new bucket with a running mean', () => {
    const server: HistoryPoint = [0, 20, 18, 22];
    let s: Series = { points: [server], tailCount: 0 };
    s = appendReading(s, 60_500, 24, bucketed);
    s = appendReading(s, 61_000, 26, bucketed);
    s = appendReading(s, 62_000, 19, bucketed);
    expect(s.points).toEqual([server, [60_000, 23, 19, 26]]);
    expect(s.tailCount).toBe(3);
  });

  it('only widens a server bucket, whose sample count is unknown', () => {
    const s = appendReading({ points: [[0, 20, 18, 22]], tailCount: 0 }, 30_000, 30, bucketed);
    expect(s.points).toEqual([[0, 20, 18, 30]]);
    expect(s.tailCount).toBe(0);
  });
});

describe('chart data', () => {
  const history = fromHistory(
    {
      from: 0,
      to: HOUR,
      step_ms: 10_000,
      series: [
        { metric: 'air_temp_c', points: [[HOUR - 10_000, 28, 27, 29]] },
        { metric: 'battery_v', points: [[HOUR - 10_000, 3.9, 3.9, 3.9]] },
        { metric: 'rh_pct', points: [] },
      ],
    },
    HOUR,
    true,
  );

  it('keeps charted series with their newest time', () => {
    expect(Object.keys(history.groups)).toEqual(['temperature']);
    expect(history.groups.temperature?.lastTs).toBe(HOUR - 10_000);
  });

  it('routes readings to their group, counts them and moves the window', () => {
    const readings = [
      { device: 'd1', metric: 'soil_temp_c.2', ts: HOUR + 1_000, value: 22 },
      { device: 'd1', metric: 'air_temp_c', ts: HOUR + 2_000, value: 29 },
      { device: 'd1', metric: 'rh_pct', ts: HOUR + 2_000, value: 80 },
      { device: 'd1', metric: 'rssi_dbm', ts: HOUR + 3_000, value: -70 },
    ];
    const data = applyReadings(history, readings);
    expect(countByGroup(readings)).toEqual({ temperature: 2, humidity: 1 });
    expect(data.to).toBe(HOUR + 2_000);
    expect(data.groups.temperature?.lastTs).toBe(HOUR + 2_000);
    expect(Object.keys(data.groups.temperature?.series ?? {})).toEqual(['air_temp_c', 'soil_temp_c.2']);
    expect(data.groups.humidity?.series.rh_pct?.points).toEqual([[HOUR + 2_000, 80, 80, 80]]);
  });

  it('leaves untouched groups and data as they were', () => {
    const data = applyReadings(history, [{ device: 'd1', metric: 'co2_ppm', ts: HOUR, value: 500 }]);
    expect(data.groups.temperature).toBe(history.groups.temperature);
    expect(applyReadings(history, [{ device: 'd1', metric: 'battery_v', ts: HOUR, value: 3 }])).toBe(history);
  });
});
