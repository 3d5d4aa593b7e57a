import { describe, expect, it } from 'vitest';
import { deleteStatements, dirtyLines, pieceStatement, rollupLines, toAggregateRows } from './influxRollupQl.ts';

describe('InfluxQL of history pieces', () => {
  it('sums stored sums and counts of a rollup, quoting every identifier and literal', () => {
    const piece = { source: '1h' as const, from: 0, to: 7_200_000, stepMs: 3_600_000 };
    expect(pieceStatement(piece, "gh'1", ['soil_temp_c.2'], true)).toBe(
      'SELECT sum("soil_temp_c.2__sum") AS "m0_sum", sum("soil_temp_c.2__count") AS "m0_count", min("soil_temp_c.2__min") AS "m0_min", ' +
        `max("soil_temp_c.2__max") AS "m0_max" FROM "telemetry_1h" WHERE "greenhouse" = 'gh\\'1' AND time >= 0ms AND time < 7200000ms ` +
        'GROUP BY time(3600000ms), "device" fill(none)',
    );
  });

  it('aggregates raw fields directly', () => {
    const piece = { source: 'raw' as const, from: 0, to: 60_000, stepMs: 10_000 };
    expect(pieceStatement(piece, 'gh', ['ph'], false)).toMatch(
      /^SELECT sum\("ph"\) AS "m0_sum", count\("ph"\) AS "m0_count".* FROM "telemetry" /,
    );
  });

  it('reads rows per metric, leaving out buckets without data', () => {
    const columns = ['time', 'm0_sum', 'm0_count', 'm0_min', 'm0_max', 'm1_sum', 'm1_count', 'm1_min', 'm1_max'];
    const result = {
      series: [{ tags: { device: 'd1', greenhouse: 'g' }, columns, values: [[60_000, 3, 2, 1, 2, null, null, null, null]] }],
    };
    expect(toAggregateRows(result, ['ph', 'rh_pct'])).toEqual([
      { greenhouse: 'g', device: 'd1', metric: 'ph', bucket: 60_000, sum: 3, count: 2, min: 1, max: 2 },
    ]);
  });
});

describe('rollup and dirty-mark line protocol', () => {
  it('writes the metrics of one device and bucket as one point, counts as integers', () => {
    const row = { greenhouse: 'g', device: 'd 1', bucket: 60_000, sum: 3, count: 2, min: 1, max: 2 };
    expect(
      rollupLines('1m', [
        { ...row, metric: 'ph' },
        { ...row, metric: 'rh_pct' },
      ]),
    ).toBe(
      'telemetry_1m,device=d\\ 1,greenhouse=g ph__count=2i,ph__max=2,ph__min=1,ph__sum=3,rh_pct__count=2i,rh_pct__max=2,rh_pct__min=1,rh_pct__sum=3 60000',
    );
    expect(dirtyLines([0, 3_600_000], 42)).toBe('rollup_dirty marked_at=42i 0\nrollup_dirty marked_at=42i 3600000');
  });

  it('deletes raw data with its dirty marks', () => {
    expect(deleteStatements('raw', 1_000)).toEqual([
      'DELETE FROM "telemetry" WHERE time < 1000ms',
      'DELETE FROM "rollup_dirty" WHERE time < 1000ms',
    ]);
  });
});
