/**
 * The MQTT credentials of Canopy's own services (ingest, API, the broker's bridge). Taken from
 * MQTT_SERVICE_USERNAME / MQTT_SERVICE_PASSWORD when set; otherwise generated once into
 * DATA_DIR, so `npm start` — or services started separately on one DATA_DIR — work with no
 * manual step and agree with each other.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Env, envOptional } from './config.ts';

export interface ServiceCredentials {
  readonly username: string;
  readonly password: string;
}

export const SERVICE_CREDENTIALS_FILE = 'mqtt-service.json';

function readFile(file: string): ServiceCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const body = JSON.parse(text) as Partial<ServiceCredentials>;
  if (typeof body.username !== 'string' || typeof body.password !== 'string' || body.password.length < 16)
    throw new ConfigError('DATA_DIR', `${file} is not a valid service credentials file; delete it to generate a new one`);
  return { username: body.username, password: body.password };
}

/** Reads the credentials from the environment, or from (or into) DATA_DIR. */
export function loadServiceCredentials(env: Env, dataDir: string): ServiceCredentials {
  const username = envOptional(env, 'MQTT_SERVICE_USERNAME');
  const password = envOptional(env, 'MQTT_SERVICE_PASSWORD');
  if ((username === undefined) !== (password === undefined))
    throw new ConfigError(
      username === undefined ? 'MQTT_SERVICE_USERNAME' : 'MQTT_SERVICE_PASSWORD',
      'set both service credentials or neither',
    );
  if (username !== undefined && password !== undefined) {
    if (password.length < 16) throw new ConfigError('MQTT_SERVICE_PASSWORD', 'expected at least 16 characters');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(username)) throw new ConfigError('MQTT_SERVICE_USERNAME', 'expected 1–64 of A–Z a–z 0–9 _ -');
    return { username, password };
  }
  const file = join(dataDir, SERVICE_CREDENTIALS_FILE);
  const existing = readFile(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const fresh = { username: 'canopy-service', password: randomBytes(32).toString('base64url') };
  try {
    // `wx`: when two services start together on one DATA_DIR, the first file wins and both read it.
    writeFileSync(file, `${JSON.stringify(fresh)}\n`, { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFile(file) ?? fresh;
  }
}
