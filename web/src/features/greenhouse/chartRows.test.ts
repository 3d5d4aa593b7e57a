import { describe, expect, it } from 'vitest';
import { gapThresholdMs, hasSpread, niceTicks, toChartRows } from './chartRows.ts';

describe('chart rows', () => {
  it('breaks the line at a gap', () => {
    const rows = toChartRows(
      [
        [0, 20, 19, 21],
        [60_000, 21, 21, 21],
        [3_600_000, 25, 24, 26],
      ],
      gapThresholdMs(60_000),
    );
    expect(rows.map((r) => r.mean)).toEqual([20, 21, null, 25]);
    expect(rows[0]?.band).toEqual([19, 21]);
  });

  it('draws a band only where buckets spread', () => {
    expect(hasSpread([[0, 20, 20, 20]])).toBe(false);
    expect(hasSpread([[0, 20, 19, 21]])).toBe(true);
  });
});

describe('value axis ticks', () => {
  it('uses round steps covering the data', () => {
    expect(niceTicks(0.91, 1.19)).toEqual([0.9, 1, 1.1, 1.2]);
    expect(niceTicks(18.2, 29.7)).toEqual([15, 20, 25, 30]);
    expect(niceTicks(486, 522)).toEqual([480, 490, 500, 510, 520, 530]);
    expect(niceTicks(0, 0.3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('gives a flat line some room', () => {
    expect(niceTicks(0, 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(-2, -2)).toEqual([-3, -2.5, -2, -1.5, -1]);
    expect(niceTicks(25, 25)).toEqual([15, 20, 25, 30, 35]);
  });
});
