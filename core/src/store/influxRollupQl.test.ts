import { describe, expect, it } from 'vitest';
import {
  deleteStatements,
  dirtyLines,
  levelAggregateStatement,
  pieceStatement,
  rollupLines,
  toAggregateRows,
  toLevelRows,
  toPieceRows,
} from './influxRollupQl.ts';

describe('InfluxQL of history pieces', () => {
  it('sums stored sums and counts of a long rollup piece, quoting every identifier and literal', () => {
    const piece = { source: '1h' as const, from: 0, to: 10_000 * 3_600_000, stepMs: 3_600_000 };
    expect(pieceStatement(piece, "gh'1", ['soil_temp_c.2'], true)).toBe(
      'SELECT sum("soil_temp_c.2__sum") AS "m0_sum", sum("soil_temp_c.2__count") AS "m0_count", min("soil_temp_c.2__min") AS "m0_min", ' +
        `max("soil_temp_c.2__max") AS "m0_max" FROM "telemetry_1h" WHERE "greenhouse" = 'gh\\'1' AND time >= 0ms AND time < 36000000000ms ` +
        'GROUP BY time(3600000ms), "device" fill(none)',
    );
    expect(pieceStatement({ source: 'raw', from: 0, to: 30 * 86_400_000, stepMs: 3_600_000 }, 'gh', ['ph'], false)).toMatch(
      /^SELECT sum\("ph"\) AS "m0_sum", count\("ph"\) AS "m0_count".* FROM "telemetry" .*GROUP BY time\(3600000ms\) fill\(none\)$/,
    );
  });

  it('reads a short piece point by point and buckets it here, exactly', () => {
    const piece = { source: 'raw' as const, from: 0, to: 60_000, stepMs: 20_000 };
    expect(pieceStatement(piece, 'gh', ['ph'], false)).toBe(
      `SELECT "ph" AS "m0_sum" FROM "telemetry" WHERE "greenhouse" = 'gh' AND time >= 0ms AND time < 60000ms GROUP BY "device"`,
    );
    const raw = {
      series: [
        {
          tags: { device: 'd1' },
          columns: ['time', 'm0_sum'],
          values: [
            [0, 1],
            [10_000, 3],
            [20_000, null],
            [30_000, 5],
          ],
        },
      ],
    };
    expect(toPieceRows(raw, piece, ['ph'], 'gh')).toEqual([
      { greenhouse: 'gh', device: 'd1', metric: 'ph', bucket: 0, sum: 4, count: 2, min: 1, max: 3 },
      { greenhouse: 'gh', device: 'd1', metric: 'ph', bucket: 20_000, sum: 5, count: 1, min: 5, max: 5 },
    ]);
    const rollup = { source: '5m' as const, from: 0, to: 1_200_000, stepMs: 600_000 };
    const columns = ['time', 'm0_sum', 'm0_count', 'm0_min', 'm0_max'];
    const rows = {
      series: [
        {
          tags: { device: 'd2' },
          columns,
          values: [
            [0, 10, 2, 4, 6],
            [300_000, 3, 1, 3, 3],
            [600_000, 7, 1, 7, 7],
          ],
        },
      ],
    };
    expect(toPieceRows(rows, rollup, ['ph'], 'gh')).toEqual([
      { greenhouse: 'gh', device: 'd2', metric: 'ph', bucket: 0, sum: 13, count: 3, min: 3, max: 6 },
      { greenhouse: 'gh', device: 'd2', metric: 'ph', bucket: 600_000, sum: 7, count: 1, min: 7, max: 7 },
    ]);
  });

  it('reads a merged piece from the greenhouse rollups, one series', () => {
    const piece = { source: '6h' as const, from: 0, to: 4 * 21_600_000, stepMs: 43_200_000, merged: true };
    const statement = pieceStatement(piece, 'gh', ['ph'], false);
    expect(statement).toBe(
      'SELECT "ph__sum" AS "m0_sum", "ph__count" AS "m0_count", "ph__min" AS "m0_min", "ph__max" AS "m0_max" FROM "telemetry_gh_6h" ' +
        `WHERE "greenhouse" = 'gh' AND time >= 0ms AND time < 86400000ms`,
    );
    const result = {
      series: [
        {
          columns: ['time', 'm0_sum', 'm0_count', 'm0_min', 'm0_max'],
          values: [
            [0, 10, 2, 4, 6],
            [21_600_000, 3, 1, 3, 3],
          ],
        },
      ],
    };
    expect(toPieceRows(result, piece, ['ph'], 'gh')).toEqual([
      { greenhouse: 'gh', metric: 'ph', bucket: 0, sum: 13, count: 3, min: 3, max: 6 },
    ]);
  });

  it('reads a level point by point for the maintainer when it is short, keeping greenhouse and device apart', () => {
    const day = 86_400_000;
    expect(levelAggregateStatement('1m', ['ph'], 0, day, 300_000)).toBe(
      'SELECT "ph__sum" AS "m0_sum", "ph__count" AS "m0_count", "ph__min" AS "m0_min", "ph__max" AS "m0_max" FROM "telemetry_1m" ' +
        `WHERE time >= 0ms AND time < ${day}ms GROUP BY "device", "greenhouse"`,
    );
    expect(levelAggregateStatement('1m', ['ph'], 0, 7 * day, 300_000)).toMatch(
      /GROUP BY time\(300000ms\), "device", "greenhouse" fill\(none\)$/,
    );
    const columns = ['time', 'm0_sum', 'm0_count', 'm0_min', 'm0_max'];
    const result = {
      series: [
        {
          tags: { device: 'd1', greenhouse: 'g1' },
          columns,
          values: [
            [0, 1, 1, 1, 1],
            [60_000, 2, 1, 2, 2],
          ],
        },
        { tags: { device: 'd1', greenhouse: 'g2' }, columns, values: [[0, 5, 1, 5, 5]] },
      ],
    };
    expect(toLevelRows(result, '1m', 0, day, 300_000, ['ph'])).toEqual([
      { greenhouse: 'g1', device: 'd1', metric: 'ph', bucket: 0, sum: 3, count: 2, min: 1, max: 2 },
      { greenhouse: 'g2', device: 'd1', metric: 'ph', bucket: 0, sum: 5, count: 1, min: 5, max: 5 },
    ]);
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
    // A row without a device is a greenhouse rollup.
    expect(rollupLines('6h', [{ ...row, device: undefined, metric: 'ph' }])).toBe(
      'telemetry_gh_6h,greenhouse=g ph__count=2i,ph__max=2,ph__min=1,ph__sum=3 60000',
    );
    expect(dirtyLines([0, 3_600_000], 42)).toBe('rollup_dirty marked_at=42i 0\nrollup_dirty marked_at=42i 3600000');
  });

  it('deletes raw data with its dirty marks, rollups with their greenhouse rollups', () => {
    expect(deleteStatements('raw', 1_000)).toEqual([
      'DELETE FROM "telemetry" WHERE time < 1000ms',
      'DELETE FROM "rollup_dirty" WHERE time < 1000ms',
    ]);
    expect(deleteStatements('15m', 1_000)).toEqual([
      'DELETE FROM "telemetry_15m" WHERE time < 1000ms',
      'DELETE FROM "telemetry_gh_15m" WHERE time < 1000ms',
    ]);
  });
});
