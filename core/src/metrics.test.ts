import { describe, expect, it } from 'vitest';
import { METRICS, metricKey, parseMetricKey } from './metrics.ts';

describe('metric vocabulary', () => {
  it('covers the protocol v1 metrics with snake_case names carrying units', () => {
    for (const name of [
      'air_temp_c',
      'rh_pct',
      'co2_ppm',
      'ppfd_umol_m2_s',
      'soil_moisture_pct',
      'soil_temp_c',
      'ec_ms_cm',
      'ph',
      'water_flow_l_min',
      'tank_level_pct',
      'battery_v',
      'rssi_dbm',
    ]) {
      expect(METRICS).toHaveProperty(name);
    }
    for (const spec of Object.values(METRICS)) expect(spec.min).toBeLessThan(spec.max);
  });

  it('parses channel suffixes', () => {
    expect(parseMetricKey('soil_temp_c.2')).toEqual({ key: 'soil_temp_c.2', metric: 'soil_temp_c', channel: 2 });
    expect(parseMetricKey('soil_temp_c')).toEqual({ key: 'soil_temp_c', metric: 'soil_temp_c', channel: 1 });
    expect(metricKey('soil_temp_c', 2)).toBe('soil_temp_c.2');
    expect(metricKey('soil_temp_c', 1)).toBe('soil_temp_c');
  });

  it('rejects unknown names, bad channels and prototype keys', () => {
    for (const bad of ['soil_temp_c.0', 'soil_temp_c.100', 'Air_temp_c', 'air-temp', 'toString', '__proto__', 'foo_c', 'air_temp_c.2.3']) {
      expect(parseMetricKey(bad)).toBeUndefined();
    }
  });
});
