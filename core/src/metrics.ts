/**
 * The metric vocabulary: every canonical metric, its unit and its plausible physical range.
 * A reading outside its range is rejected, never stored. Units are part of the name.
 */
export interface MetricSpec {
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Computed by ingest from other metrics; a device may not send it. */
  readonly derived?: true;
  /** Decimal places worth showing. */
  readonly decimals: number;
}

export const METRICS = {
  air_temp_c: { unit: '°C', min: -40, max: 70, decimals: 1 },
  rh_pct: { unit: '%', min: 0, max: 100, decimals: 0 },
  co2_ppm: { unit: 'ppm', min: 0, max: 20_000, decimals: 0 },
  ppfd_umol_m2_s: { unit: 'µmol/m²/s', min: 0, max: 3_000, decimals: 0 },
  illuminance_lux: { unit: 'lx', min: 0, max: 200_000, decimals: 0 },
  soil_moisture_pct: { unit: '%', min: 0, max: 100, decimals: 0 },
  soil_temp_c: { unit: '°C', min: -20, max: 70, decimals: 1 },
  leaf_temp_c: { unit: '°C', min: -20, max: 70, decimals: 1 },
  water_temp_c: { unit: '°C', min: -5, max: 70, decimals: 1 },
  ec_ms_cm: { unit: 'mS/cm', min: 0, max: 20, decimals: 2 },
  ph: { unit: 'pH', min: 0, max: 14, decimals: 2 },
  water_flow_l_min: { unit: 'L/min', min: 0, max: 1_000, decimals: 1 },
  tank_level_pct: { unit: '%', min: 0, max: 100, decimals: 0 },
  battery_v: { unit: 'V', min: 0, max: 60, decimals: 2 },
  rssi_dbm: { unit: 'dBm', min: -130, max: 0, decimals: 0 },
  air_vpd_kpa: { unit: 'kPa', min: 0, max: 15, decimals: 2, derived: true },
  dew_point_c: { unit: '°C', min: -80, max: 70, decimals: 1, derived: true },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** A metric key as sent and stored: a canonical name, optionally with a channel (`soil_temp_c.2`). */
export const METRIC_KEY_PATTERN = /^([a-z][a-z0-9_]{0,47})(?:\.([1-9][0-9]?))?$/;

export interface MetricKey {
  readonly key: string;
  readonly metric: MetricName;
  /** 1 for the first probe; the suffix otherwise. */
  readonly channel: number;
}

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/** Parses `soil_temp_c.2`; undefined when the name is malformed or not in the vocabulary. */
export function parseMetricKey(key: string): MetricKey | undefined {
  const match = METRIC_KEY_PATTERN.exec(key);
  const name = match?.[1];
  if (name === undefined || !isMetricName(name)) return undefined;
  return { key, metric: name, channel: match?.[2] === undefined ? 1 : Number(match[2]) };
}

export function metricKey(metric: MetricName, channel = 1): string {
  return channel === 1 ? metric : `${metric}.${channel}`;
}

export function metricSpec(key: string): MetricSpec | undefined {
  const parsed = parseMetricKey(key);
  return parsed && METRICS[parsed.metric];
}
