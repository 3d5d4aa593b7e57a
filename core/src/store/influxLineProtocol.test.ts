import { describe, expect, it } from 'vitest';
import { toLineProtocol } from './influxLineProtocol.ts';

const at = { device: 'gh1-climate', greenhouse: 'gh-1' };

describe('toLineProtocol', () => {
  it('puts the metrics of one device and instant into one point with ms timestamps, fields in arrival order', () => {
    const body = toLineProtocol([
      { ...at, ts: 1_700_000_000_123, metric: 'rh_pct', value: 61 },
      { ...at, ts: 1_700_000_000_123, metric: 'air_temp_c', value: 21.5 },
      { ...at, ts: 1_700_000_060_000, metric: 'air_temp_c', value: 22 },
    ]);
    expect(body).toEqual([
      'telemetry,device=gh1-climate,greenhouse=gh-1 rh_pct=61,air_temp_c=21.5 1700000000123',
      'telemetry,device=gh1-climate,greenhouse=gh-1 air_temp_c=22 1700000060000',
    ]);
  });

  it('writes a channel suffix as part of the field name and never an integer field', () => {
    expect(toLineProtocol([{ ...at, ts: 5, metric: 'soil_temp_c.2', value: 18 }])).toEqual([
      'telemetry,device=gh1-climate,greenhouse=gh-1 soil_temp_c.2=18 5',
    ]);
  });

  it('keeps separate points for separate devices, greenhouses and instants', () => {
    const body = toLineProtocol([
      { device: 'a', greenhouse: 'g', ts: 1, metric: 'ph', value: 6 },
      { device: 'b', greenhouse: 'g', ts: 1, metric: 'ph', value: 6 },
      { device: 'a', greenhouse: 'h', ts: 1, metric: 'ph', value: 6 },
      { device: 'a', greenhouse: 'g', ts: 2, metric: 'ph', value: 6 },
    ]);
    expect(body).toHaveLength(4);
  });

  it('keeps the last value of a metric repeated at the same instant', () => {
    const body = toLineProtocol([
      { ...at, ts: 1, metric: 'ph', value: 6 },
      { ...at, ts: 1, metric: 'ph', value: 7.25 },
    ]);
    expect(body).toEqual(['telemetry,device=gh1-climate,greenhouse=gh-1 ph=7.25 1']);
  });

  it('joins a point again when its readings are not consecutive', () => {
    const body = toLineProtocol([
      { ...at, ts: 1, metric: 'ph', value: 6 },
      { device: 'b', greenhouse: 'g', ts: 1, metric: 'ph', value: 6 },
      { ...at, ts: 1, metric: 'ec_ms_cm', value: 1.5 },
    ]);
    expect(body).toEqual(['telemetry,device=gh1-climate,greenhouse=gh-1 ph=6,ec_ms_cm=1.5 1', 'telemetry,device=b,greenhouse=g ph=6 1']);
  });

  it('escapes tag values and field keys as the InfluxDB client does', () => {
    const odd = 'a b,c=d\ne\rf\tg';
    expect(toLineProtocol([{ device: odd, greenhouse: odd, ts: 1, metric: odd, value: 1 }])).toEqual([
      'telemetry,device=a\\ b\\,c\\=d\\ne\\rf\\tg,greenhouse=a\\ b\\,c\\=d\\ne\\rf\\tg a\\ b\\,c\\=d\\ne\\rf\\tg=1 1',
    ]);
  });

  it('returns no lines for no readings', () => {
    expect(toLineProtocol([])).toEqual([]);
  });
});
