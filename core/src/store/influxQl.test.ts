import { describe, expect, it } from 'vitest';
import { joinStatements, latestStatements, quoteIdent, quoteString } from './influxQl.ts';

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
