import {
  ConfigError,
  type DataConfig,
  type Env,
  envEnum,
  envInt,
  envOptional,
  envPort,
  envString,
  loadDataConfig,
  loadServiceCredentials,
  type ServiceCredentials,
} from '@canopy/core/node';
import type { AdminConfig } from './firstAdmin.ts';

export interface AuthConfig {
  /** Origins allowed to call with a session cookie (REST writes, the socket); empty → the request's own host only. */
  readonly allowedOrigins: readonly string[];
  readonly sessionTtlMs: number;
  /** Set the cookie's Secure flag; on behind a TLS proxy. */
  readonly cookieSecure: boolean;
  /** Failed logins per IP and identifier before a lock-out of `loginWindowMs`. */
  readonly loginMaxAttempts: number;
  readonly loginWindowMs: number;
  /** Requests per minute per session, key or IP, over the whole API. */
  readonly rateLimitPerMin: number;
}

export interface ApiConfig {
  readonly host: string;
  readonly httpPort: number;
  readonly mqttUrl: string;
  readonly mqttClientId: string;
  /** Service credentials for the broker (MQTT_SERVICE_USERNAME/PASSWORD, or generated in DATA_DIR). */
  readonly mqttCredentials: ServiceCredentials;
  readonly data: DataConfig;
  readonly logLevel: string;
  readonly auth: AuthConfig;
  readonly admin: AdminConfig;
}

function parseOrigins(env: Env): string[] {
  const raw = envOptional(env, 'ALLOWED_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      try {
        const url = new URL(o);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
        return url.origin;
      } catch {
        throw new ConfigError('ALLOWED_ORIGINS', `expected comma-separated http(s) origins, got ${JSON.stringify(o)}`);
      }
    });
}

function loadAdmin(env: Env): AdminConfig {
  const email = envString(env, 'ADMIN_EMAIL', 'admin@canopy.local');
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ConfigError('ADMIN_EMAIL', `expected an email address, got ${JSON.stringify(email)}`);
  const password = envOptional(env, 'ADMIN_PASSWORD');
  if (password !== undefined && password.length < 8) throw new ConfigError('ADMIN_PASSWORD', 'expected at least 8 characters');
  return password === undefined ? { email } : { email, password };
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
    mqttCredentials: loadServiceCredentials(env, loadDataConfig(env).dataDir),
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
    auth: {
      allowedOrigins: parseOrigins(env),
      sessionTtlMs: envInt(env, 'SESSION_TTL_H', 720, { min: 1, max: 24 * 366 }) * 3_600_000,
      cookieSecure: envEnum(env, 'COOKIE_SECURE', ['true', 'false'], 'false') === 'true',
      loginMaxAttempts: envInt(env, 'LOGIN_MAX_ATTEMPTS', 10, { min: 1, max: 10_000 }),
      loginWindowMs: envInt(env, 'LOGIN_WINDOW_S', 900, { min: 1, max: 86_400 }) * 1_000,
      rateLimitPerMin: envInt(env, 'API_RATE_LIMIT_PER_MIN', 1_200, { min: 1, max: 1_000_000 }),
    },
    admin: loadAdmin(env),
  };
}
