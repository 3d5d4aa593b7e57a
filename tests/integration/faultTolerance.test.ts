/**
 * At-least-once under faults, with real processes: the broker and ingest
 * run as child processes so they can be killed for real, against a private influxd of this file
 * (the run's shared one is never disturbed). Under a steady QoS 1 load, each fault is injected
 * and recovered from; then every reading the broker acknowledged to a device must be in the
 * store, exactly once (its identity is device and timestamp) and with the value sent.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoCooperative } from '@canopy/core';
import { type MqttCredentials, metaDbFile, openMetaDb, rotateDeviceSecret, seedDemo } from '@canopy/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestartableInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { freePort, type ServiceProcess, serviceProcess } from '../helpers/serviceProcess.ts';
import { type Sent, type TelemetryLoad, telemetryLoad } from '../helpers/telemetryLoad.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const DATABASE = 'faults';
const DEVICES = 6;
/** 6 devices every 50 ms: 120 messages/s, gentle on a shared 2-core machine. */
const INTERVAL_MS = 50;
const SERVICE = { MQTT_SERVICE_USERNAME: 'canopy-service', MQTT_SERVICE_PASSWORD: 'fault-test-service-password' };

describe('at-least-once delivery under faults', { timeout: 180_000 }, () => {
  let influxd: RestartableInfluxd;
  let dir: TempDir;
  let broker: ServiceProcess;
  let ingest: ServiceProcess;
  let mqttUrl: string;
  let ingestHttp: string;
  let devices: MqttCredentials[];
  const loads: TelemetryLoad[] = [];

  beforeAll(async () => {
    influxd = await startInfluxd();
    dir = await makeTempDir('faults');
    const meta = await openMetaDb({ file: metaDbFile({ dataDir: dir.path }) });
    const coop = demoCooperative(DEVICES);
    await seedDemo(meta, coop, { intervalS: 5 });
    devices = [];
    for (const d of coop.devices) {
      const issued = await rotateDeviceSecret(meta, d.id);
      if (issued) devices.push(issued);
    }
    await meta.destroy();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    ingestHttp = `http://127.0.0.1:${httpPort}`;
    const common = { ...SERVICE, DATA_DIR: dir.path, LOG_LEVEL: 'info' };
    broker = serviceProcess(
      'broker/src/main.ts',
      {
        ...common,
        MQTT_HOST: '127.0.0.1',
        MQTT_PORT: String(mqttPort),
        // The broker stays up in these tests, so its session queue may live in memory; broker
        // restarts with the durable persistences are faultBrokerRestart.test.ts's.
        MQTT_PERSISTENCE: 'memory',
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
        INFLUX_URL: influxd.url,
        INFLUX_DATABASE: DATABASE,
        INGEST_CLIENT_ID: 'ingest-faults',
        INGEST_HTTP_HOST: '127.0.0.1',
        INGEST_HTTP_PORT: String(httpPort),
        INGEST_FLUSH_MS: '100',
        // Small, so a 20 s outage overflows memory and exercises the disk spool.
        INGEST_MAX_BUFFERED: '1000',
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
    await influxd?.stop();
    await dir?.remove();
  });

  const brokerUp = () =>
    waitFor(() => (broker.log().includes('MQTT broker listening') ? true : undefined), { timeoutMs: 30_000, what: 'the broker' });
  /** Counts lines, so a restart waits for its own line rather than the previous run's. */
  const ingestUp = async () => {
    const before = ingestRuns;
    await waitFor(() => (count(ingest.log(), 'ingest subscribed') > before ? true : undefined), { timeoutMs: 30_000, what: 'ingest' });
    ingestRuns += 1;
  };
  let ingestRuns = 0;

  async function newLoad(): Promise<TelemetryLoad> {
    const load = await telemetryLoad(mqttUrl, devices, INTERVAL_MS);
    loads.push(load);
    load.start();
    return load;
  }

  /** This load's stored readings of one device: earlier tests wrote before `from`. */
  async function stored(device: string, window: { from: number; to: number }): Promise<Map<number, number>> {
    const q = `SELECT air_temp_c FROM telemetry WHERE device = '${device}' AND time >= ${window.from}ms AND time <= ${window.to}ms`;
    const res = await fetch(`${influxd.url}/query?db=${DATABASE}&epoch=ms&q=${encodeURIComponent(q)}`);
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
    await waitFor(
      async () => {
        for (const [device, sent] of byDevice) {
          const have = await stored(device, window);
          if (sent.some((s) => !have.has(s.ts))) return undefined;
        }
        return true;
      },
      { timeoutMs: 90_000, what: 'every acknowledged reading in the store' },
    );
    for (const [device, sent] of byDevice) {
      const have = await stored(device, window);
      for (const s of sent) expect(have.get(s.ts), `${device} @ ${s.ts}`).toBe(s.airTempC);
      // Nothing stored that was not sent, and (identity = device + ts) nothing twice.
      for (const [ts, value] of have) expect(published.get(`${device}/${ts}`)?.airTempC, `${device} @ ${ts}`).toBe(value);
    }
  }

  it('survives kill -9 of ingest: the broker keeps its session, the journal keeps what it acknowledged', async () => {
    const load = await newLoad();
    await sleep(2_000);
    await ingest.kill('SIGKILL');
    await sleep(2_000);
    ingest.start();
    await ingestUp();
    await sleep(2_000);
    await load.stop();
    await expectAllAcknowledgedStored(load);
  });

  it('survives influxd down for 20 s: retries, spools to disk, reports degraded, replays in order', async () => {
    const load = await newLoad();
    await sleep(1_000);
    // The memory buffer is sampled through the outage and the replay: it must keep to its bound.
    let bufferedPeak = 0;
    const sampler = setInterval(() => {
      fetch(`${ingestHttp}/metrics`)
        .then((res) => res.text())
        .then((text) => {
          bufferedPeak = Math.max(bufferedPeak, Number(/^canopy_ingest_buffered_readings (\d+)$/m.exec(text)?.[1] ?? 0));
        })
        .catch(() => {});
    }, 200);
    await influxd.halt();
    const degraded = await waitFor(
      async () => {
        const health = (await (await fetch(`${ingestHttp}/healthz`)).json()) as { status: string };
        return health.status === 'degraded' ? health : undefined;
      },
      { timeoutMs: 20_000, what: 'ingest to report degraded' },
    );
    expect(degraded.status).toBe('degraded');
    await sleep(18_000);
    await influxd.resume();
    await sleep(1_000);
    await load.stop();
    await expectAllAcknowledgedStored(load);
    await waitFor(async () => {
      const health = (await (await fetch(`${ingestHttp}/healthz`)).json()) as { status: string };
      return health.status === 'ok' ? true : undefined;
    });
    clearInterval(sampler);
    // INGEST_MAX_BUFFERED, plus at most one message's readings a replay read may run over by.
    expect(bufferedPeak).toBeGreaterThan(0);
    expect(bufferedPeak).toBeLessThanOrEqual(1_000 + 10);
    const metrics = await (await fetch(`${ingestHttp}/metrics`)).text();
    expect(metrics).toMatch(/canopy_ingest_write_retries_total [1-9]/);
    expect(metrics).toMatch(/canopy_ingest_readings_spooled_total [1-9]/);
    expect(metrics).toMatch(/canopy_ingest_readings_replayed_total [1-9]/);
  });
});

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
