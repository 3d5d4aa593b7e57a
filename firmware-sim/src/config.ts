/** The simulator's configuration, read once at start-up. */
import { DEMO_DEFAULT_DEVICES } from '@canopy/core';
import { ConfigError, type DataConfig, type Env, envEnum, envInt, envOptional, envString, envUrl, loadDataConfig } from '@canopy/core/node';

export interface SimConfig {
  readonly mqttUrl: string;
  /** How many demo devices to play; 0 turns the simulator off. */
  readonly devices: number;
  readonly intervalMs: number;
  readonly seed?: number;
  readonly autoIrrigate: boolean;
  readonly logLevel: string;
  /** Run alone, the simulator asks the device registry in DATA_DIR for its devices' credentials. */
  readonly data: DataConfig;
}

export function loadConfig(env: Env): SimConfig {
  // Same default as ingest: the local broker, on MQTT_PORT when that is set.
  const mqttPort = envInt(env, 'MQTT_PORT', 1883, { min: 1, max: 65_535 });
  const url = envUrl(env, 'MQTT_URL') ?? new URL(`mqtt://127.0.0.1:${mqttPort}`);
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:')
    throw new ConfigError('MQTT_URL', `expected an mqtt(s) URL, got ${url.protocol}`);
  const seed = envOptional(env, 'SIM_SEED') === undefined ? undefined : envInt(env, 'SIM_SEED', 0, { min: 0, max: 4_294_967_295 });
  return {
    mqttUrl: url.toString(),
    devices: envInt(env, 'SIM_DEVICES', DEMO_DEFAULT_DEVICES, { min: 0, max: 1_000 }),
    intervalMs: envInt(env, 'SIM_INTERVAL_MS', 5_000, { min: 100, max: 3_600_000 }),
    ...(seed === undefined ? {} : { seed }),
    autoIrrigate: envEnum(env, 'SIM_AUTO_IRRIGATE', ['on', 'off'], 'on') === 'on',
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    data: loadDataConfig(env),
  };
}
