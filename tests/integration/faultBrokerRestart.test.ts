/**
 * The broker's promise, with real processes: under a steady QoS 1 load, the broker process is
 * stopped (SIGTERM) or killed (SIGKILL) while ingest is away, so ingest's persistent session
 * holds a backlog at that moment; then the broker comes back, ingest and the devices reconnect,
 * and every reading the broker acknowledged to a device must be in the store, exactly once and
 * with the value sent. Run for the embedded default (SQLite in DATA_DIR) and for Redis (a
 * private redis-server). A broker that kept its sessions in memory fails this test: the backlog
 * queued for ingest dies with the process.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoCooperative } from '@canopy/core';
import { type MqttCredentials, metaDbFile, openMetaDb, rotateDeviceSecret, seedDemo } from '@canopy/core/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RedisServer, startRedis } from '../helpers/redis.ts';
import { freePort, type ServiceProcess, serviceProcess } from '../helpers/serviceProcess.ts';
import { type Sent, type TelemetryLoad, telemetryLoad } from '../helpers/telemetryLoad.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const DEVICES = 6;
/** 6 devices every 25 ms: 240 messages/s, so a kill always lands with messages in flight. */
const INTERVAL_MS = 25;
const SERVICE = { MQTT_SERVICE_USERNAME: 'canopy-service', MQTT_SERVICE_PASSWORD: 'fault-test-service-password' };

describe.each([{ persistence: 'sqlite' as const }, { persistence: 'redis' as const }, { persistence: 'memory' as const }])(
  'broker restart with MQTT_PERSISTENCE=$persistence',
  { timeout: 120_000 },
  ({ persistence }) => {
    const influxUrl = inject('influxUrl');
    const database = `fault_broker_${persistence}`;
    let dir: TempDir;
    let redis: RedisServer | undefined;
    let broker: ServiceProcess;
    let ingest: ServiceProcess;
    let mqttUrl: string;
    let devices: MqttCredentials[];
    const loads: TelemetryLoad[] = [];

    beforeAll(async () => {
      dir = await makeTempDir(`fault-broker-${persistence}`);
      if (persistence === 'redis') redis = await startRedis();
      const meta = await openMetaDb({ file: metaDbFile({ dataDir: dir.path }) });
      const coop = demoCooperative(DEVICES);
      await seedDemo(meta, coop, { intervalS: 5 });
      devices = [];
      for (const d of coop.devices) {
        const issued = await rotateDeviceSecret(meta, d.id);
        if (issued) devices.push(issued);
      }
      await meta.destroy();
      const mqttPort = await freePort();
      mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
      const common = { ...SERVICE, DATA_DIR: dir.path, LOG_LEVEL: 'info' };
      broker = serviceProcess(
        'broker/src/main.ts',
        {
          ...common,
          MQTT_HOST: '127.0.0.1',
          MQTT_PORT: String(mqttPort),
          MQTT_PERSISTENCE: persistence,
          ...(redis ? { REDIS_URL: redis.url } : {}),
          MQTT_JOURNAL_RETRY_S: '2',
          MQTT_PUBLISH_RATE: '1000',
          MQTT_PUBLISH_BURST: '1000',
        },
        join(dir.path, 'broker.log'),
      );
      ingest = serviceProcess(
        'ingest/src/main.ts',
        {
          ...common,
          MQTT_URL: mqttUrl,
          INFLUX_URL: influxUrl,
          INFLUX_DATABASE: database,
          INGEST_CLIENT_ID: `ingest-broker-${persistence}`,
          INGEST_HTTP_PORT: '0',
          INGEST_FLUSH_MS: '100',
        },
        join(dir.path, 'ingest.log'),
      );
      broker.start();
      await brokerUp();
      ingest.start();
      await ingestUp();
    });

    afterAll(async () => {
      for (const load of loads) await load.close();
      await ingest?.kill('SIGTERM');
      await broker?.kill('SIGTERM');
      await redis?.stop();
      await dir?.remove();
    });

    /** Counts lines, so a restart waits for its own line rather than the previous run's. */
    let brokerRuns = 0;
    let ingestRuns = 0;
    const brokerUp = async () => {
      const before = brokerRuns;
      await waitFor(() => (count(broker.log(), 'MQTT broker listening') > before ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the broker',
      });
      brokerRuns += 1;
    };
    const ingestUp = async () => {
      const before = ingestRuns;
      await waitFor(() => (count(ingest.log(), 'ingest subscribed') > before ? true : undefined), { timeoutMs: 30_000, what: 'ingest' });
      ingestRuns += 1;
    };

    async function newLoad(): Promise<TelemetryLoad> {
      const load = await telemetryLoad(mqttUrl, devices, INTERVAL_MS);
      loads.push(load);
      load.start();
      return load;
    }

    async function stored(device: string, window: { from: number; to: number }): Promise<Map<number, number>> {
      const q = `SELECT air_temp_c FROM telemetry WHERE device = '${device}' AND time >= ${window.from}ms AND time <= ${window.to}ms`;
      const res = await fetch(`${influxUrl}/query?db=${database}&epoch=ms&q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ values: Array<[number, number]> }> }> };
      return new Map((body.results[0]?.series?.[0]?.values ?? []).map(([ts, v]) => [ts, v]));
    }

    /** Waits until every acknowledged reading is stored, then checks nothing else and nothing twice. */
    async function expectAllAcknowledgedStored(load: TelemetryLoad): Promise<void> {
      const acked = load.acknowledged();
      expect(acked.length).toBeGreaterThan(0);
      const byDevice = new Map<string, Sent[]>();
      for (const s of acked) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s]);
      const published = new Map(load.published().map((s) => [`${s.device}/${s.ts}`, s]));
      const window = { from: load.published()[0]?.ts ?? 0, to: load.published().at(-1)?.ts ?? 0 };
      let missing: Sent[] = [];
      try {
        await waitFor(
          async () => {
            missing = [];
            for (const [device, sent] of byDevice) {
              const have = await stored(device, window);
              missing.push(...sent.filter((s) => !have.has(s.ts)));
            }
            return missing.length === 0 ? true : undefined;
          },
          { timeoutMs: 45_000, what: 'every acknowledged reading in the store' },
        );
      } catch (err) {
        throw new Error(`${missing.length} of ${acked.length} acknowledged readings missing, e.g. ${JSON.stringify(missing.slice(0, 3))}`, {
          cause: err,
        });
      }
      for (const [device, sent] of byDevice) {
        const have = await stored(device, window);
        for (const s of sent) expect(have.get(s.ts), `${device} @ ${s.ts}`).toBe(s.airTempC);
        // Nothing stored that was not sent, and (identity = device + ts) nothing twice.
        for (const [ts, value] of have) expect(published.get(`${device}/${ts}`)?.airTempC, `${device} @ ${ts}`).toBe(value);
      }
    }

    if (persistence === 'memory') {
      // Nothing survives this broker's restart, but ingest must not go deaf: it subscribes again.
      it('subscribes again when a restarted in-memory broker has lost its session', async () => {
        await broker.kill('SIGKILL');
        broker.start();
        await brokerUp();
        await waitFor(() => (ingest.log().includes('CANOPY_INGEST_SESSION_LOST') ? true : undefined), {
          timeoutMs: 30_000,
          what: 'ingest subscribing again',
        });
        const load = await newLoad();
        await sleep(1_500);
        await load.stop();
        await expectAllAcknowledgedStored(load);
      });
      return;
    }

    if (persistence === 'redis') {
      it('keeps what it acknowledged through a Redis restart, and keeps running', async () => {
        const load = await newLoad();
        await sleep(1_500);
        await redis?.restart(15_000);
        await sleep(2_000);
        await load.stop();
        expect(broker.running()).toBe(true);
        await expectAllAcknowledgedStored(load);
      });
    }

    it.each(['SIGTERM', 'SIGKILL'] as const)('keeps what it acknowledged through a %s of the broker', async (signal) => {
      const load = await newLoad();
      await sleep(1_500);
      // Ingest away: its persistent session queues in the broker, which then goes down with the backlog.
      await ingest.kill('SIGTERM');
      await sleep(1_500);
      const ackedBeforeKill = load.acknowledged().length;
      await broker.kill(signal);
      await sleep(1_000);
      broker.start();
      await brokerUp();
      ingest.start();
      await ingestUp();
      // Live load again after the restart, with ingest connected, then the broker killed once more
      // under it: what ingest had in flight is redelivered, what devices were acknowledged is kept.
      await sleep(1_500);
      await broker.kill(signal);
      broker.start();
      await brokerUp();
      await sleep(2_000);
      await load.stop();
      expect(load.acknowledged().length).toBeGreaterThan(ackedBeforeKill);
      await expectAllAcknowledgedStored(load);
    });
  },
);

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
