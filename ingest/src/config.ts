import { type DataConfig, type Env, envInt, envString, loadDataConfig } from '@canopy/core/node';

export interface IngestConfig {
  readonly mqttUrl: string;
  readonly clientId: string;
  readonly data: DataConfig;
  readonly batchSize: number;
  readonly flushMs: number;
  /** Readings held in memory while the store is slow or down. */
  readonly maxBufferedReadings: number;
  readonly liveIntervalMs: number;
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
  readonly logLevel: string;
}

export function loadConfig(env: Env): IngestConfig {
  const mqttPort = envInt(env, 'MQTT_PORT', 1883, { min: 1, max: 65_535 });
  return {
    mqttUrl: envString(env, 'MQTT_URL', `mqtt://127.0.0.1:${mqttPort}`),
    clientId: envString(env, 'INGEST_CLIENT_ID', 'canopy-ingest'),
    data: loadDataConfig(env),
    batchSize: envInt(env, 'INGEST_BATCH_SIZE', 5_000, { min: 1, max: 100_000 }),
    flushMs: envInt(env, 'INGEST_FLUSH_MS', 250, { min: 1, max: 60_000 }),
    maxBufferedReadings: envInt(env, 'INGEST_MAX_BUFFERED', 500_000, { min: 1_000, max: 50_000_000 }),
    liveIntervalMs: envInt(env, 'LIVE_INTERVAL_MS', 250, { min: 10, max: 10_000 }),
    maxAgeMs: envInt(env, 'INGEST_MAX_AGE_S', 7 * 86_400, { min: 60, max: 365 * 86_400 }) * 1_000,
    maxFutureMs: envInt(env, 'INGEST_MAX_FUTURE_S', 300, { min: 0, max: 86_400 }) * 1_000,
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
  };
}
