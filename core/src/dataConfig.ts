/**
 * Where data lives, shared by ingest and the API: the metadata database and the time-series
 * store. Time series go to InfluxDB when INFLUX_URL is set, else to embedded SQLite.
 */
import { resolve } from 'node:path';
import { ConfigError, type Env, envEnum, envOptional, envString, envUrl } from './config.ts';

export interface DataConfig {
  readonly dataDir: string;
  readonly influx?: { readonly url: URL; readonly token?: string; readonly database: string; readonly gzip: boolean };
}

export function loadDataConfig(env: Env): DataConfig {
  const dataDir = resolve(envString(env, 'DATA_DIR', './data'));
  const url = envUrl(env, 'INFLUX_URL');
  if (!url) return { dataDir };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('INFLUX_URL', 'expected an http(s) URL');
  const database = envString(env, 'INFLUX_DATABASE', 'canopy');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(database)) throw new ConfigError('INFLUX_DATABASE', 'expected letters, digits, _ or -');
  const token = envOptional(env, 'INFLUX_TOKEN');
  const gzip = envEnum(env, 'INFLUX_GZIP', ['true', 'false'], 'false') === 'true';
  return { dataDir, influx: { url, database, gzip, ...(token ? { token } : {}) } };
}

export function metaDbFile(config: DataConfig): string {
  return resolve(config.dataDir, 'canopy.db');
}

export function timeSeriesDbFile(config: DataConfig): string {
  return resolve(config.dataDir, 'timeseries.db');
}
