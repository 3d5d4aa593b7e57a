import { describe, expect, it } from 'vitest';
import { csvField, readingsCsv } from './csv.ts';

describe('CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-1.5)).toBe('-1.5');
  });

  it('writes one line per reading', () => {
    expect(readingsCsv('gh-1', [{ ts: 0, device: 'd', metric: 'ph', value: 6.1 }])).toBe('1970-01-01T00:00:00.000Z,0,gh-1,d,ph,6.1\r\n');
    expect(readingsCsv('gh-1', [])).toBe('');
  });
});
