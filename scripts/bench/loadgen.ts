/**
 * The benchmark's load generator, in its own process so its CPU is not the pipeline's: devices
 * publish QoS 1 telemetry (8 metrics a message) at a set total rate for a set time, with the
 * publish time as the device timestamp. Optionally one subscriber counts what the broker
 * relays (the bare-broker anchor). Prints one JSON line with the counts.
 * Usage: node --import tsx scripts/bench/loadgen.ts '<json LoadSpec>'
 */
import { buildTopic, topicFilter } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';

export interface LoadSpec {
  readonly mqttUrl: string;
  readonly devices: ReadonlyArray<{ clientId: string; username: string; password: string }>;
  readonly ratePerS: number;
  readonly durationMs: number;
  /** Counts relayed messages with these credentials (the bare-broker anchor). */
  readonly subscriber?: { clientId: string; username: string; password: string };
}

export interface LoadResult {
  readonly published: number;
  readonly acked: number;
  readonly relayed: number;
  readonly firstPublishAt: number;
  readonly lastAckAt: number;
  readonly lastRelayAt: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const TICK_MS = 10;

const clients: Array<{ id: string; client: MqttClient; lastTs: number }> = [];
for (const d of spec.devices) {
  const client = await connectMqttReady(spec.mqttUrl, { ...d, clean: true, reconnectPeriod: 0 });
  client.on('error', () => {});
  clients.push({ id: d.clientId, client, lastTs: 0 });
}
let relayed = 0;
let lastRelayAt = 0;
let sub: MqttClient | undefined;
if (spec.subscriber) {
  sub = await connectMqttReady(spec.mqttUrl, { ...spec.subscriber, clean: true });
  sub.on('message', () => {
    relayed += 1;
    lastRelayAt = Date.now();
  });
  await sub.subscribeAsync(topicFilter('telemetry'), { qos: 1 });
}

let published = 0;
let acked = 0;
let lastAckAt = 0;
let next = 0;
const firstPublishAt = Date.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const elapsed = Date.now() - firstPublishAt;
    if (elapsed >= spec.durationMs) {
      clearInterval(timer);
      resolve();
      return;
    }
    const due = Math.floor(((elapsed + TICK_MS) * spec.ratePerS) / 1_000) - published;
    for (let i = 0; i < due; i++) {
      const device = clients[next++ % clients.length];
      if (!device) break;
      const ts = Math.max(Date.now(), device.lastTs + 1);
      device.lastTs = ts;
      const v = (published % 100) / 10;
      const body = JSON.stringify({
        ts,
        m: {
          air_temp_c: 25 + v,
          rh_pct: 60 + v,
          co2_ppm: 600 + v,
          ppfd_umol_m2_s: 400 + v,
          soil_moisture_pct: 30 + v,
          soil_temp_c: 22 + v,
          ec_ms_cm: 1.5,
          ph: 6.1,
        },
      });
      published += 1;
      device.client.publish(buildTopic('telemetry', { deviceId: device.id }), body, { qos: 1 }, (err) => {
        if (err) return;
        acked += 1;
        lastAckAt = Date.now();
      });
    }
  }, TICK_MS);
});
// Outstanding acknowledgements, and the relay's tail, for a bounded while.
const deadline = Date.now() + 30_000;
while (Date.now() < deadline && (acked < published || (sub && relayed < acked))) await new Promise((r) => setTimeout(r, 50));
const result: LoadResult = { published, acked, relayed, firstPublishAt, lastAckAt, lastRelayAt };
console.log(JSON.stringify(result));
await Promise.all([...clients.map(({ client }) => client.endAsync(true)), sub?.endAsync(true)]);
process.exit(0);
