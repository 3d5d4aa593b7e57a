import { join } from 'node:path';
import {
  ConfigError,
  type DataConfig,
  type Env,
  envInt,
  envPort,
  envString,
  loadDataConfig,
  loadRollupConfig,
  loadServiceCredentials,
  type ServiceCredentials,
} from '@canopy/core/node';

export interface IngestConfig {
  readonly mqttUrl: string;
  /** Service credentials for the broker (MQTT_SERVICE_USERNAME/PASSWORD, or generated in DATA_DIR). */
  readonly mqttCredentials: ServiceCredentials;
  /** Also names the broker session and the journal directory: one per ingest process. */
  readonly clientId: string;
  readonly data: DataConfig;
  readonly batchSize: number;
  readonly flushMs: number;
  /** Store writes in flight at once. */
  readonly writeConcurrency: number;
  /** Readings held in memory for the store; beyond, they wait in the journal on disk. */
  readonly maxBufferedReadings: number;
  /** `DATA_DIR/ingest/<clientId>`. */
  readonly journalDir: string;
  /** Longest a message waits for its group fsync (and so for its PUBACK). */
  readonly journalSyncMs: number;
  /** The spool cap: at this many journal bytes ingest stops taking messages. */
  readonly maxSpoolBytes: number;
  readonly segmentBytes: number;
  /** /metrics and /healthz; port 0 turns the listener off. */
  readonly httpHost: string;
  readonly httpPort: number;
  readonly liveIntervalMs: number;
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
  readonly logLevel: string;
}

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;

export function loadConfig(env: Env): IngestConfig {
  const mqttPort = envInt(env, 'MQTT_PORT', 1883, { min: 1, max: 65_535 });
  const clientId = envString(env, 'INGEST_CLIENT_ID', 'canopy-ingest');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) throw new ConfigError('INGEST_CLIENT_ID', 'expected 1–64 of A–Z a–z 0–9 _ -');
  const data = loadDataConfig(env);
  const maxSpoolBytes = envInt(env, 'INGEST_SPOOL_MAX_MB', 2_048, { min: 1, max: 1_048_576 }) * MIB;
  const maxAgeMs = envInt(env, 'INGEST_MAX_AGE_S', 7 * 86_400, { min: 60, max: 365 * 86_400 }) * 1_000;
  // A reading older than raw retention would be deleted on arrival, and the rollup of its hour
  // rebuilt from what is left; a day's margin covers a reading waiting in the spool.
  const rawDays = loadRollupConfig(env).retentionDays.raw;
  if (rawDays > 0 && maxAgeMs + DAY_MS > rawDays * DAY_MS) {
    throw new ConfigError('INGEST_MAX_AGE_S', `must be at least a day shorter than RETENTION_RAW_DAYS (${rawDays} days)`);
  }
  return {
    mqttUrl: envString(env, 'MQTT_URL', `mqtt://127.0.0.1:${mqttPort}`),
    clientId,
    mqttCredentials: loadServiceCredentials(env, data.dataDir),
    data,
    batchSize: envInt(env, 'INGEST_BATCH_SIZE', 5_000, { min: 1, max: 100_000 }),
    flushMs: envInt(env, 'INGEST_FLUSH_MS', 250, { min: 1, max: 60_000 }),
    writeConcurrency: envInt(env, 'INGEST_WRITE_CONCURRENCY', 2, { min: 1, max: 16 }),
    // Ten batches keep the store busy; more only grows the heap (~150 bytes a reading, and V8
    // lets the heap run to a multiple of what is live), while the spool's read-back is as fast.
    maxBufferedReadings: envInt(env, 'INGEST_MAX_BUFFERED', 50_000, { min: 1_000, max: 50_000_000 }),
    journalDir: join(data.dataDir, 'ingest', clientId),
    journalSyncMs: envInt(env, 'INGEST_JOURNAL_SYNC_MS', 10, { min: 1, max: 100 }),
    maxSpoolBytes,
    // Small enough that the cap always spans several segments, so written ones can be deleted.
    segmentBytes: Math.min(16 * MIB, Math.floor(maxSpoolBytes / 8)),
    httpHost: envString(env, 'INGEST_HTTP_HOST', '0.0.0.0'),
    httpPort: envPort(env, 'INGEST_HTTP_PORT', 9101),
    liveIntervalMs: envInt(env, 'LIVE_INTERVAL_MS', 250, { min: 10, max: 10_000 }),
    maxAgeMs,
    maxFutureMs: envInt(env, 'INGEST_MAX_FUTURE_S', 300, { min: 0, max: 86_400 }) * 1_000,
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
  };
}
