/**
 * Field mappings: which raw field of off-the-shelf firmware becomes which canonical metric.
 * A device may carry its own; otherwise its kind's default applies.
 */
import { METRICS, type MetricSpec, parseMetricKey } from '../metrics.ts';

/** Raw field (`BME280.Temperature`, ESPHome object id `soil_moisture`) → canonical metric key. */
export type FieldMapping = Readonly<Record<string, string>>;

export type AdapterKind = 'tasmota' | 'esphome';

const DS18B20_CHANNELS = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`DS18B20-${i + 1}.Temperature`, i === 0 ? 'soil_temp_c' : `soil_temp_c.${i + 1}`]),
);

export const DEFAULT_MAPPINGS: Readonly<Record<AdapterKind, FieldMapping>> = {
  tasmota: {
    'BME280.Temperature': 'air_temp_c',
    'BME280.Humidity': 'rh_pct',
    'SHT3X.Temperature': 'air_temp_c',
    'SHT3X.Humidity': 'rh_pct',
    'AM2301.Temperature': 'air_temp_c',
    'AM2301.Humidity': 'rh_pct',
    'DS18B20.Temperature': 'soil_temp_c',
    ...DS18B20_CHANNELS,
    'BH1750.Illuminance': 'illuminance_lux',
    'ANALOG.Moisture': 'soil_moisture_pct',
    'SCD30.CarbonDioxide': 'co2_ppm',
    'MHZ19B.CarbonDioxide': 'co2_ppm',
  },
  esphome: {
    temperature: 'air_temp_c',
    humidity: 'rh_pct',
    soil_moisture: 'soil_moisture_pct',
    soil_temperature: 'soil_temp_c',
    illuminance: 'illuminance_lux',
    co2: 'co2_ppm',
    wifi_signal: 'rssi_dbm',
  },
};

export const MAX_MAPPING_FIELDS = 64;

/** Why a mapping is unusable, or undefined when it is fine. */
export function mappingProblem(mapping: Readonly<Record<string, unknown>>): string | undefined {
  const entries = Object.entries(mapping);
  if (entries.length > MAX_MAPPING_FIELDS) return `at most ${MAX_MAPPING_FIELDS} fields`;
  for (const [field, metric] of entries) {
    if (field.length === 0 || field.length > 64) return `field names are 1–64 characters: ${JSON.stringify(field.slice(0, 64))}`;
    const parsed = typeof metric === 'string' ? parseMetricKey(metric) : undefined;
    if (!parsed) return `${field}: unknown metric ${JSON.stringify(metric)}`;
    const spec: MetricSpec = METRICS[parsed.metric];
    if (spec.derived) return `${field}: ${parsed.metric} is derived by Canopy, not measured`;
  }
  return undefined;
}

export function mappingFor(kind: AdapterKind, custom: FieldMapping | null | undefined): FieldMapping {
  return custom ?? DEFAULT_MAPPINGS[kind];
}
