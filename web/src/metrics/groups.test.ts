import { METRICS } from '@canopy/core';
import { describe, expect, it } from 'vitest';
import { CHART_GROUPS, compareMetricKeys, groupKeys, groupOf } from './groups.ts';

describe('metric groups', () => {
  it('puts channels with their metric and leaves diagnostics out', () => {
    expect(groupOf('soil_temp_c.2')).toBe('temperature');
    expect(groupOf('dew_point_c')).toBe('temperature');
    expect(groupOf('battery_v')).toBeUndefined();
    expect(groupOf('rssi_dbm')).toBeUndefined();
    expect(groupOf('not_a_metric')).toBeUndefined();
  });

  it('charts every metric of the vocabulary but the device diagnostics', () => {
    const charted = CHART_GROUPS.flatMap((g) => g.metrics as readonly string[]);
    const missing = Object.keys(METRICS).filter((m) => !charted.includes(m));
    expect(missing.sort()).toEqual(['battery_v', 'rssi_dbm']);
  });

  it('groups keys in display order with channels sorted', () => {
    expect(groupKeys(['co2_ppm', 'soil_temp_c.2', 'ph', 'air_temp_c', 'soil_temp_c', 'battery_v', 'ec_ms_cm'])).toEqual([
      { id: 'temperature', keys: ['air_temp_c', 'soil_temp_c', 'soil_temp_c.2'] },
      { id: 'nutrients', keys: ['ec_ms_cm', 'ph'] },
      { id: 'co2', keys: ['co2_ppm'] },
    ]);
  });

  it('sorts unknown keys last', () => {
    expect(['zzz', 'rh_pct', 'air_temp_c.2', 'air_temp_c'].sort(compareMetricKeys)).toEqual([
      'air_temp_c',
      'air_temp_c.2',
      'rh_pct',
      'zzz',
    ]);
  });
});
