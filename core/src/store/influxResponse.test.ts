import { describe, expect, it } from 'vitest';
import { errorMessage, parseQueryResponse, parseRetryAfter, toFieldKeys, toLatestValues } from './influxResponse.ts';
import { StoreError } from './timeSeriesStore.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof StoreError ? err.code : 'not a StoreError';
  }
  return 'no error';
};

describe('parseQueryResponse', () => {
  it('returns one result per statement', () => {
    expect(parseQueryResponse({ results: [{ statement_id: 0 }, { statement_id: 1, series: [] }] })).toHaveLength(2);
  });

  it('throws a coded error for a statement error, a request error, a partial result or a foreign shape', () => {
    expect(codeOf(() => parseQueryResponse({ results: [{ statement_id: 0, error: 'database not found: x' }] }))).toBe('CANOPY_STORE_QUERY');
    expect(codeOf(() => parseQueryResponse({ error: 'error parsing query' }))).toBe('CANOPY_STORE_QUERY');
    expect(codeOf(() => parseQueryResponse({ results: [{ partial: true, series: [] }] }))).toBe('CANOPY_STORE_QUERY');
    expect(codeOf(() => parseQueryResponse({ results: 'nope' }))).toBe('CANOPY_STORE_QUERY');
  });
});

describe('toFieldKeys', () => {
  it('keeps only metric keys', () => {
    const result = {
      series: [
        {
          columns: ['fieldKey', 'fieldType'],
          values: [
            ['air_temp_c', 'float'],
            ['soil_temp_c.2', 'float'],
            ['junk field', 'string'],
            [7, 'x'],
          ],
        },
      ],
    };
    expect(toFieldKeys(result)).toEqual(['air_temp_c', 'soil_temp_c.2']);
    expect(toFieldKeys(undefined)).toEqual([]);
  });
});

describe('toLatestValues', () => {
  const series = (device: string, greenhouse: string, ts: number, value: number | null) => ({
    tags: { device, greenhouse },
    columns: ['time', 'last'],
    values: [[ts, value]],
  });

  it('pairs each result with its field and sorts by greenhouse, device and metric', () => {
    const results = [{ series: [series('d2', 'g', 5, 1), series('d1', 'g', 6, 2)] }, { series: [series('d1', 'g', 7, null)] }, {}];
    expect(toLatestValues(results, ['rh_pct', 'ph', 'co2_ppm'])).toEqual([
      { greenhouse: 'g', device: 'd1', metric: 'rh_pct', ts: 6, value: 2 },
      { greenhouse: 'g', device: 'd2', metric: 'rh_pct', ts: 5, value: 1 },
    ]);
  });

  it('refuses results that do not line up with the statements', () => {
    expect(codeOf(() => toLatestValues([{}], ['rh_pct', 'ph']))).toBe('CANOPY_STORE_QUERY');
  });
});

describe('errorMessage', () => {
  it('reads the error of a JSON body and falls back to the text', () => {
    expect(errorMessage('{"error":"partial write: field type conflict"}')).toBe('partial write: field type conflict');
    expect(errorMessage(' <html>Bad Gateway</html>\n')).toBe('<html>Bad Gateway</html>');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(30);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 29, 0))).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
