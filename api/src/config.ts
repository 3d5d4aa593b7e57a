import { type DataConfig, type Env, envInt, envPort, envString, loadDataConfig } from '@canopy/core/node';

export interface ApiConfig {
  readonly host: string;
  readonly httpPort: number;
  readonly mqttUrl: string;
  readonly mqttClientId: string;
  readonly data: DataConfig;
  readonly logLevel: string;
}

export function loadConfig(env: Env): ApiConfig {
  const mqttPort = envInt(env, 'MQTT_PORT', 1883, { min: 1, max: 65_535 });
  return {
    host: envString(env, 'HTTP_HOST', '0.0.0.0'),
    httpPort: envPort(env, 'HTTP_PORT', 8080),
    mqttUrl: envString(env, 'MQTT_URL', `mqtt://127.0.0.1:${mqttPort}`),
    // Unique per process: two API nodes with one client id would keep kicking each other off.
    mqttClientId: envString(env, 'API_CLIENT_ID', `canopy-api-${process.pid}`),
    data: loadDataConfig(env),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
  };
}
