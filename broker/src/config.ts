import { type Env, envPort, envString } from '@canopy/core/node';

export interface BrokerConfig {
  readonly host: string;
  readonly mqttPort: number;
  readonly logLevel: string;
}

export function loadConfig(env: Env): BrokerConfig {
  return {
    host: envString(env, 'MQTT_HOST', '0.0.0.0'),
    mqttPort: envPort(env, 'MQTT_PORT', 1883),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
  };
}
