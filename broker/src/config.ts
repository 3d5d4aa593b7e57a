import {
  ConfigError,
  type DataConfig,
  DEFAULT_TASMOTA_FULLTOPIC,
  type Env,
  envEnum,
  envInt,
  envOptional,
  envPort,
  envString,
  loadDataConfig,
  loadServiceCredentials,
  type ServiceCredentials,
  TasmotaPatternError,
  tasmotaTopicScheme,
} from '@canopy/core/node';
import { PERSISTENCE_KINDS, type PersistenceConfig } from './persistence.ts';

export interface BrokerConfig {
  readonly host: string;
  readonly mqttPort: number;
  readonly logLevel: string;
  /** Where the metadata database with the device credentials lives. */
  readonly data: DataConfig;
  readonly service: ServiceCredentials;
  /** MQTTS listener, when a certificate and key are configured (PEM file paths). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly port: number };
  readonly maxPacketBytes: number;
  /** Sustained publishes per second per device, and the burst above it. Services are not limited. */
  readonly publishRatePerS: number;
  readonly publishBurst: number;
  /** How often to look for credentials rotated or revoked by the API. */
  readonly credentialsPollMs: number;
  readonly tasmotaFullTopic: string;
  /** A Tasmota `Time` further than this from arrival is not trusted. */
  readonly maxClockSkewMs: number;
  /** Sessions, queued and retained messages: SQLite in DATA_DIR/broker (default), Redis, or memory only. */
  readonly persistence: PersistenceConfig;
}

export function loadConfig(env: Env): BrokerConfig {
  const data = loadDataConfig(env);
  const certFile = envOptional(env, 'MQTT_TLS_CERT');
  const keyFile = envOptional(env, 'MQTT_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError(certFile === undefined ? 'MQTT_TLS_CERT' : 'MQTT_TLS_KEY', 'set both the TLS certificate and key, or neither');
  const tasmotaFullTopic = envString(env, 'TASMOTA_FULLTOPIC', DEFAULT_TASMOTA_FULLTOPIC);
  try {
    tasmotaTopicScheme(tasmotaFullTopic);
  } catch (err) {
    if (err instanceof TasmotaPatternError) throw new ConfigError('TASMOTA_FULLTOPIC', err.message);
    throw err;
  }
  return {
    host: envString(env, 'MQTT_HOST', '0.0.0.0'),
    mqttPort: envPort(env, 'MQTT_PORT', 1883),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    data,
    service: loadServiceCredentials(env, data.dataDir),
    ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile, port: envPort(env, 'MQTT_TLS_PORT', 8883) } } : {}),
    maxPacketBytes: envInt(env, 'MQTT_MAX_PACKET_BYTES', 65_536, { min: 1_024, max: 268_435_455 }),
    publishRatePerS: envInt(env, 'MQTT_PUBLISH_RATE', 20, { min: 1, max: 100_000 }),
    publishBurst: envInt(env, 'MQTT_PUBLISH_BURST', 100, { min: 1, max: 1_000_000 }),
    credentialsPollMs: envInt(env, 'MQTT_CREDENTIALS_POLL_MS', 1_000, { min: 50, max: 600_000 }),
    tasmotaFullTopic,
    maxClockSkewMs: envInt(env, 'ADAPTER_MAX_CLOCK_SKEW_S', 300, { min: 0, max: 86_400 }) * 1_000,
    persistence: loadPersistenceConfig(env, data.dataDir),
  };
}

function loadPersistenceConfig(env: Env, dataDir: string): PersistenceConfig {
  const kind = envEnum(env, 'MQTT_PERSISTENCE', PERSISTENCE_KINDS, 'sqlite');
  const syncIntervalMs = envInt(env, 'MQTT_PERSISTENCE_SYNC_MS', 50, { min: 0, max: 10_000 });
  const retryMs = envInt(env, 'MQTT_JOURNAL_RETRY_S', 30, { min: 1, max: 86_400 }) * 1_000;
  const queueMemoryMessages = envInt(env, 'MQTT_QUEUE_MEMORY_MESSAGES', 10_000, { min: 1, max: 10_000_000 });
  const redisUrl = envOptional(env, 'REDIS_URL');
  if (kind !== 'redis') return { kind, dataDir, syncIntervalMs, queueMemoryMessages, retryMs };
  if (redisUrl === undefined)
    throw new ConfigError('REDIS_URL', 'MQTT_PERSISTENCE=redis needs REDIS_URL (redis://[user:password@]host[:port][/db])');
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new ConfigError('REDIS_URL', `expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new ConfigError('REDIS_URL', `expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  if (url.hostname === '') throw new ConfigError('REDIS_URL', 'the URL names no host');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new ConfigError('REDIS_URL', `the database must be a number, got ${JSON.stringify(db)}`);
  return { kind, dataDir, syncIntervalMs, queueMemoryMessages, retryMs, redisUrl };
}
