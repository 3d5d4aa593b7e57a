/**
 * The spool's cap, end to end: with InfluxDB down, ingest journals until its spool is full, then
 * stops taking messages (paused, /healthz 503) and the broker holds the rest in ingest's
 * session; once InfluxDB is back, the spool drains, ingest takes messages again, and every
 * reading the broker acknowledged is stored.
 */
import { buildTopic } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestartableInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** Items per message: 4 readings each (2 sent, 2 derived), ~60 KB of journal per message. */
const ITEMS = 500;

describe('spool cap', { timeout: 120_000 }, () => {
  let influxd: RestartableInfluxd;
  let stack: Stack;
  let device: MqttClient;
  let database: string;

  beforeAll(async () => {
    influxd = await startInfluxd();
    database = 'spool_cap';
    stack = await startStack({
      store: 'influx',
      influxUrl: influxd.url,
      env: {
        INFLUX_DATABASE: database,
        INGEST_SPOOL_MAX_MB: '1',
        INGEST_MAX_BUFFERED: '1000',
        // The broker stays up: its in-memory queue holds what ingest does not take.
        MQTT_PERSISTENCE: 'memory',
      },
    });
    device = await connectMqttReady(stack.mqttUrl, { ...stack.device('gh1-climate'), clean: true });
  });

  afterAll(async () => {
    await device?.endAsync();
    await stack?.stop();
    await influxd?.stop();
  });

  const count = async () => {
    const q = encodeURIComponent('SELECT count(air_temp_c) FROM telemetry');
    const body = (await (await fetch(`${influxd.url}/query?db=${database}&q=${q}`)).json()) as {
      results: Array<{ series?: Array<{ values: Array<[string, number]> }> }>;
    };
    return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  };

  it('pauses at the cap while the store is down, and stores everything once it is back', async () => {
    await influxd.halt();
    const start = Date.now() - 7_200_000;
    let sent = 0;
    const publish = async () => {
      const batch = Array.from({ length: ITEMS }, (_, i) => ({
        ts: start + (sent * ITEMS + i) * 100,
        m: { air_temp_c: 20, rh_pct: 60 },
      }));
      sent += 1;
      await device.publishAsync(buildTopic('telemetry', { deviceId: 'gh1-climate' }), JSON.stringify({ batch }), { qos: 1 });
    };
    // About 18 messages fill a 1 MB spool; the broker acknowledges all of them regardless.
    for (let i = 0; i < 40 && !stack.ingest.stats().paused; i++) {
      await publish();
      await new Promise((r) => setTimeout(r, 50));
    }
    const paused = await waitFor(() => (stack.ingest.stats().paused ? stack.ingest.health() : undefined), {
      timeoutMs: 30_000,
      what: 'ingest to pause at the spool cap',
    });
    expect(paused.status).toBe('paused');
    expect(stack.ingest.stats().spoolBytes).toBeGreaterThanOrEqual(1024 * 1024);
    for (let i = 0; i < 4; i++) await publish();

    await influxd.resume();
    await waitFor(async () => ((await count()) === sent * ITEMS ? true : undefined), {
      timeoutMs: 90_000,
      what: 'every acknowledged reading in the store',
    });
    expect(stack.ingest.stats().paused).toBe(false);
  });
});
