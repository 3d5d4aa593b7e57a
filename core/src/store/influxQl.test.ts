import { describe, expect, it } from 'vitest';
import { joinStatements, latestStatements, quoteIdent, quoteString, rangeQuery } from './influxQl.ts';

describe('InfluxQL quoting', () => {
  it('escapes backslash and the quote character of identifiers', () => {
    expect(quoteIdent('soil_temp_c.2')).toBe('"soil_temp_c.2"');
    expect(quoteIdent('a" FROM x; DROP DATABASE "y')).toBe('"a\\" FROM x; DROP DATABASE \\"y"');
    expect(quoteIdent('a\\"b')).toBe('"a\\\\\\"b"');
  });

  it('escapes backslash and the quote character of string literals', () => {
    expect(quoteString("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    expect(quoteString("\\'")).toBe("'\\\\\\''");
    expect(quoteString('say "hi"')).toBe(`'say "hi"'`);
  });
});

describe('rangeQuery', () => {
  const base = { greenhouse: 'gh-1', metrics: ['air_temp_c', 'soil_temp_c.2'], from: 1_000, to: 121_000, stepMs: 60_000 };

  it('aggregates every metric under positional aliases, merged over the greenhouse', () => {
    expect(rangeQuery({ ...base, byDevice: false })).toBe(
      'SELECT mean("air_temp_c") AS "m0_mean", min("air_temp_c") AS "m0_min", max("air_temp_c") AS "m0_max", ' +
        'mean("soil_temp_c.2") AS "m1_mean", min("soil_temp_c.2") AS "m1_min", max("soil_temp_c.2") AS "m1_max" ' +
        `FROM "telemetry" WHERE "greenhouse" = 'gh-1' AND time >= 1000ms AND time < 121000ms GROUP BY time(60000ms) fill(none)`,
    );
  });

  it('groups by device when asked', () => {
    expect(rangeQuery({ ...base, byDevice: true })).toMatch(/GROUP BY time\(60000ms\), "device" fill\(none\)$/);
  });
});

describe('latestStatements', () => {
  it('asks last() of one field per statement, over every greenhouse', () => {
    expect(latestStatements(['air_temp_c', 'rh_pct'], ['a', 'b'])).toEqual([
      `SELECT last("air_temp_c") FROM "telemetry" WHERE ("greenhouse" = 'a' OR "greenhouse" = 'b') GROUP BY "device", "greenhouse"`,
      `SELECT last("rh_pct") FROM "telemetry" WHERE ("greenhouse" = 'a' OR "greenhouse" = 'b') GROUP BY "device", "greenhouse"`,
    ]);
  });
});

describe('joinStatements', () => {
  it('joins with "; " while under the limit and starts a new query past it', () => {
    expect(joinStatements(['aaaa', 'bbbb', 'cccc'], 10)).toEqual(['aaaa; bbbb', 'cccc']);
    expect(joinStatements(['aaaa', 'bbbb'], 100)).toEqual(['aaaa; bbbb']);
  });

  it('keeps a statement longer than the limit whole', () => {
    expect(joinStatements(['a', 'bbbbbbbbbbbb', 'c'], 5)).toEqual(['a', 'bbbbbbbbbbbb', 'c']);
    expect(joinStatements([], 5)).toEqual([]);
  });
});
