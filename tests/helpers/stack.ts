/**
 * Starts the real services in-process on free loopback ports: broker, ingest and API over
 * either store, with a small demo cooperative seeded. Tests stop what they start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, createApiServer, loadConfig as loadApiConfig } from '@canopy/api';
import { type Broker, createBroker, loadConfig as loadBrokerConfig } from '@canopy/broker';
import { demoCooperative } from '@canopy/core';
import {
  createLogger,
  type DataResources,
  type Env,
  type MqttCredentials,
  openData,
  rotateDeviceSecret,
  type ServiceCredentials,
  seedDemo,
  seedDemoUsers,
} from '@canopy/core/node';
import { createIngest, type Ingest, loadConfig as loadIngestConfig } from '@canopy/ingest';
import { webDistDir } from '@canopy/web';

export type StoreKind = 'sqlite' | 'influx';

/** The stack's admin (from ADMIN_EMAIL / ADMIN_PASSWORD) and the demo users of each role (core/src/meta/seedDemoUsers.ts). */
export const LOGINS = {
  admin: { email: 'admin@test.canopy', password: 'admin-password' },
  manager: { email: 'manager@demo.canopy', password: 'demo-manager' },
  officer: { email: 'officer@demo.canopy', password: 'demo-officer' },
  /** Member of farm-1 (gh-1, gh-2). */
  farmer1: { email: 'farmer1@demo.canopy', password: 'demo-farmer' },
  /** Member of farm-2 (gh-3, gh-4), when the stack has 12 devices or more. */
  farmer2: { email: 'farmer2@demo.canopy', password: 'demo-farmer' },
} as const;

export type Who = keyof typeof LOGINS;

/** An authenticated client of the stack's API: a session cookie or an API key. */
export interface Client {
  /** Headers that authenticate: `cookie` or `authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function clientWith(httpUrl: string, headers: Record<string, string>): Client {
  return {
    headers,
    fetch: (path, init = {}) =>
      fetch(`${httpUrl}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } }),
  };
}

/** Logs in over HTTP, as the browser does, and returns a client carrying the session cookie. */
export async function login(httpUrl: string, who: Who | { email?: string; phone?: string; password: string }): Promise<Client> {
  const body = typeof who === 'string' ? LOGINS[who] : who;
  const res = await fetch(`${httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`login as ${JSON.stringify(body.email ?? body)} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return clientWith(httpUrl, { cookie });
}

/** Creates an API key as `who` and returns a client that sends it as a bearer token. */
export async function apiKeyClient(httpUrl: string, who: Who): Promise<Client & { id: string }> {
  const session = await login(httpUrl, who);
  const res = await session.fetch('/api/api-keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `test key of ${who}` }),
  });
  if (res.status !== 201) throw new Error(`API key for ${who} failed: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { key: string; apiKey: { id: string } };
  return { ...clientWith(httpUrl, { authorization: `Bearer ${created.key}` }), id: created.apiKey.id };
}

export interface Stack {
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly data: DataResources;
  readonly ingest: Ingest;
  readonly api: ApiServer;
  readonly broker: Broker;
  /** The stack's DATA_DIR (e.g. to count rows in the embedded store). */
  readonly dataDir: string;
  /** The services' MQTT credentials (anything goes). */
  readonly service: ServiceCredentials;
  /** A seeded demo device's MQTT credentials: spread them into the client options. */
  device(deviceId: string): MqttCredentials;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly store: StoreKind;
  readonly influxUrl?: string;
  readonly devices?: number;
  readonly env?: Env;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'canopy-stack-'));
  const logger = createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const broker = createBroker(
    loadBrokerConfig({ DATA_DIR: dataDir, MQTT_HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'silent', ...options.env }),
    logger,
  );
  await broker.start();
  const env: Env = {
    DATA_DIR: dataDir,
    MQTT_PORT: String(broker.port()),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ADMIN_EMAIL: LOGINS.admin.email,
    ADMIN_PASSWORD: LOGINS.admin.password,
    // Unique client ids: a stack stopped in one test must not kick the next one's clients off.
    API_CLIENT_ID: `api-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    INGEST_CLIENT_ID: `ingest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    INGEST_HTTP_PORT: '0',
    ...(options.store === 'influx'
      ? { INFLUX_URL: options.influxUrl, INFLUX_DATABASE: `test_${Math.random().toString(36).slice(2, 10)}` }
      : {}),
    ...options.env,
  };
  const ingestConfig = loadIngestConfig(env);
  const data = await openData(ingestConfig.data, logger);
  const coop = demoCooperative(options.devices ?? 6);
  await seedDemo(data.meta, coop, { intervalS: 5 });
  await seedDemoUsers(data.meta, coop);
  // Demo devices get their secrets from the same registry code as every provisioned device.
  const credentials = new Map<string, MqttCredentials>();
  for (const d of coop.devices) {
    const issued = await rotateDeviceSecret(data.meta, d.id);
    if (issued) credentials.set(d.id, issued);
  }
  const ingest = createIngest(ingestConfig, { ...data, logger });
  await ingest.start();
  const api = createApiServer(loadApiConfig(env), { ...data, logger, webDistDir });
  await api.start();
  return {
    mqttUrl: `mqtt://127.0.0.1:${broker.port()}`,
    httpUrl: api.url(),
    data,
    ingest,
    api,
    broker,
    dataDir,
    service: ingestConfig.mqttCredentials,
    device(deviceId) {
      const issued = credentials.get(deviceId);
      if (!issued) throw new Error(`no demo device ${deviceId}`);
      return issued;
    },
    async stop() {
      await api.stop();
      await ingest.stop();
      await data.stop();
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
