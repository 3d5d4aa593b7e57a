/**
 * Starts the real services in-process on free loopback ports: broker, ingest and API over
 * either store, with a small demo cooperative seeded. Tests stop what they start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, createApiServer, loadConfig as loadApiConfig } from '@canopy/api';
import { type Broker, createBroker } from '@canopy/broker';
import { demoCooperative } from '@canopy/core';
import { createLogger, type DataResources, type Env, openData, seedDemo } from '@canopy/core/node';
import { createIngest, type Ingest, loadConfig as loadIngestConfig } from '@canopy/ingest';
import { webDistDir } from '@canopy/web';

export type StoreKind = 'sqlite' | 'influx';

export interface Stack {
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly data: DataResources;
  readonly ingest: Ingest;
  readonly api: ApiServer;
  readonly broker: Broker;
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
  const broker = createBroker({ host: '127.0.0.1', mqttPort: 0, logLevel: 'silent' }, logger);
  await broker.start();
  const env: Env = {
    DATA_DIR: dataDir,
    MQTT_PORT: String(broker.port()),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    // Unique client ids: a stack stopped in one test must not kick the next one's clients off.
    API_CLIENT_ID: `api-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    INGEST_CLIENT_ID: `ingest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    ...(options.store === 'influx'
      ? { INFLUX_URL: options.influxUrl, INFLUX_DATABASE: `test_${Math.random().toString(36).slice(2, 10)}` }
      : {}),
    ...options.env,
  };
  const ingestConfig = loadIngestConfig(env);
  const data = await openData(ingestConfig.data, logger);
  await seedDemo(data.meta, demoCooperative(options.devices ?? 6), { intervalS: 5 });
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
    async stop() {
      await api.stop();
      await ingest.stop();
      await data.stop();
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
