import { describe, expect, it } from 'vitest';
import { parseTelemetry } from './telemetry.ts';

const now = 1_780_000_000_000;
const limits = { now, maxAgeMs: 7 * 86_400_000, maxFutureMs: 300_000 };
const parse = (payload: unknown) => parseTelemetry('d1', typeof payload === 'string' ? payload : JSON.stringify(payload), limits);
const reasons = (r: ReturnType<typeof parse>) => r.rejections.map((x) => x.reason);

describe('parseTelemetry', () => {
  it('accepts a reading, stamps arrival time when ts is absent, and derives VPD and dew point', () => {
    const r = parse({ m: { air_temp_c: 25, rh_pct: 60, co2_ppm: 430 } });
    expect(r.rejections).toEqual([]);
    const byMetric = Object.fromEntries(r.readings.map((x) => [x.metric, x]));
    expect(byMetric.air_temp_c).toEqual({ device: 'd1', metric: 'air_temp_c', ts: now, value: 25 });
    expect(byMetric.air_vpd_kpa?.value).toBeCloseTo(1.267, 3);
    expect(byMetric.dew_point_c?.value).toBeCloseTo(16.7, 1);
    expect(r.readings).toHaveLength(5);
  });

  it('keeps the device timestamp and derives per channel', () => {
    const r = parse({ ts: now - 1000, seq: 7, m: { 'air_temp_c.2': 30, 'rh_pct.2': 80, air_temp_c: 20 } });
    expect(r.readings.every((x) => x.ts === now - 1000)).toBe(true);
    expect(r.readings.find((x) => x.metric === 'air_vpd_kpa.2')?.value).toBeCloseTo(0.849, 3);
    expect(r.readings.find((x) => x.metric === 'air_vpd_kpa')).toBeUndefined();
  });

  it('drops bad readings one by one and keeps the good ones of the same payload', () => {
    const r = parse({
      m: {
        air_temp_c: 28.4,
        rh_pct: 171,
        co2_ppm: 'NaN',
        ph: null,
        ec_ms_cm: -1,
        'bad name<script>': 1,
        wind_chill_c: 3,
        air_vpd_kpa: 1,
        soil_moisture_pct: 33,
      },
    });
    expect(r.readings.map((x) => x.metric).sort()).toEqual(['air_temp_c', 'soil_moisture_pct']);
    expect(reasons(r).sort()).toEqual([
      'bad_metric_name',
      'bad_value',
      'bad_value',
      'derived_metric',
      'out_of_range',
      'out_of_range',
      'unknown_metric',
    ]);
  });

  it('rejects malformed JSON and wrong envelopes as a whole', () => {
    expect(reasons(parse('{"m": {'))).toEqual(['bad_json']);
    expect(reasons(parse({ readings: { air_temp_c: 1 } }))).toEqual(['bad_envelope']);
    expect(reasons(parse({ ts: 'yesterday', m: { air_temp_c: 1 } }))).toEqual(['bad_envelope']);
    expect(reasons(parse({ ts: 1.5, m: { air_temp_c: 1 } }))).toEqual(['bad_envelope']);
    expect(reasons(parse([1, 2]))).toEqual(['bad_envelope']);
    expect(reasons(parse('null'))).toEqual(['bad_envelope']);
  });

  it('takes store-and-forward batches item by item; each item needs its own ts', () => {
    const r = parse({
      batch: [
        { ts: now - 60_000, m: { soil_moisture_pct: 30 } },
        { m: { soil_moisture_pct: 31 } },
        { ts: now - 30_000, m: { soil_moisture_pct: 32 } },
      ],
    });
    expect(r.readings.map((x) => [x.ts, x.value])).toEqual([
      [now - 60_000, 30],
      [now - 30_000, 32],
    ]);
    expect(reasons(r)).toEqual(['bad_envelope']);
  });

  it('rejects timestamps outside the accepted window', () => {
    expect(reasons(parse({ ts: now - 8 * 86_400_000, m: { ph: 6 } }))).toEqual(['ts_too_old']);
    expect(reasons(parse({ ts: now + 600_000, m: { ph: 6 } }))).toEqual(['ts_in_future']);
    expect(parse({ ts: now + 200_000, m: { ph: 6 } }).readings).toHaveLength(1);
  });
});
