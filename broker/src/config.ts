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
import { PERSISTENCE_KINDS, type PersistenceKind } from './persistence.ts';

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
  /** Sessions and queued messages: on disk in DATA_DIR/broker (`level`) or in memory only. */
  readonly persistence: PersistenceKind;
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
    // memory by default: with aedes-persistence-level 9.2 the benchmark saw acknowledged messages go undelivered under load.
    persistence: envEnum(env, 'MQTT_PERSISTENCE', PERSISTENCE_KINDS, 'memory'),
  };
}
