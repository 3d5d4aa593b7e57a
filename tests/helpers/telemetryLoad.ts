/**
 * A steady QoS 1 load from a few devices, remembering what was published and what the broker
 * acknowledged, so a test can check that every acknowledged reading reached the store. Device
 * timestamps are unique per device (the reading's identity); the air temperature encodes the
 * sequence number so a stored value can be matched to what was sent.
 */
import { buildTopic } from '@canopy/core';
import { connectMqttReady, type MqttCredentials } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';

export interface Sent {
  readonly device: string;
  readonly ts: number;
  readonly airTempC: number;
}

export interface TelemetryLoad {
  /** Publishes every `intervalMs` from each device until stop(). */
  start(): void;
  /** Stops publishing and waits (bounded) for outstanding acknowledgements. */
  stop(): Promise<void>;
  published(): readonly Sent[];
  acknowledged(): readonly Sent[];
  close(): Promise<void>;
}

const airTempOf = (seq: number) => 10 + (seq % 400) / 10;

export async function telemetryLoad(mqttUrl: string, devices: readonly MqttCredentials[], intervalMs: number): Promise<TelemetryLoad> {
  const clients: Array<{ id: string; client: MqttClient }> = [];
  for (const d of devices) {
    // A long reconnect period is not wanted: the broker comes back within seconds in fault tests.
    const client = await connectMqttReady(mqttUrl, { ...d, clean: true, reconnectPeriod: 250 });
    // Refused reconnects while a fault test has the broker down are expected; the client retries.
    client.on('error', () => {});
    clients.push({ id: d.clientId, client });
  }
  const published: Sent[] = [];
  const acknowledged: Sent[] = [];
  const outstanding = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let lastTs = 0;

  function tick(): void {
    // One timestamp per tick, strictly increasing, shared by every device: unique per device.
    const ts = Math.max(Date.now(), lastTs + 1);
    lastTs = ts;
    seq += 1;
    for (const { id, client } of clients) {
      const sent = { device: id, ts, airTempC: airTempOf(seq) };
      published.push(sent);
      const body = JSON.stringify({ ts, seq, m: { air_temp_c: sent.airTempC, rh_pct: 60 } });
      const p = client
        .publishAsync(buildTopic('telemetry', { deviceId: id }), body, { qos: 1 })
        .then(
          () => {
            acknowledged.push(sent);
          },
          () => {},
        )
        .finally(() => outstanding.delete(p));
      outstanding.add(p);
    }
  }

  return {
    start() {
      timer ??= setInterval(tick, intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await Promise.race([Promise.all(outstanding), new Promise((r) => setTimeout(r, 15_000))]);
    },
    published: () => published,
    acknowledged: () => acknowledged,
    async close() {
      clearInterval(timer);
      await Promise.all(clients.map(({ client }) => client.endAsync(true)));
    },
  };
}
