/**
 * Fans accepted readings out to the API nodes over MQTT, one message per greenhouse per
 * interval, keeping only the newest value per device and metric: the dashboard wants the
 * current picture, not every sample, and this bounds the traffic whatever the ingest rate.
 */
import { buildTopic, type LiveMessage, type LiveReading } from '@canopy/core';
import type { StoredReading } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';

export interface LivePublisher {
  add(greenhouse: string, readings: readonly StoredReading[]): void;
  start(): void;
  stop(): void;
}

export function createLivePublisher(client: MqttClient, intervalMs: number): LivePublisher {
  // The newest reading per device and metric, as received: the message is built at publish time
  // only from what survived the interval.
  let pending = new Map<string, Map<string, StoredReading>>();
  let timer: NodeJS.Timeout | undefined;

  function publishPending(): void {
    const batch = pending;
    pending = new Map();
    for (const [greenhouse, readings] of batch) {
      const message: LiveMessage = {
        greenhouse,
        readings: Array.from(readings.values(), (r): LiveReading => ({ device: r.device, metric: r.metric, ts: r.ts, value: r.value })),
      };
      client.publish(buildTopic('live', { greenhouseId: greenhouse }), JSON.stringify(message), { qos: 0 });
    }
  }

  return {
    add(greenhouse, readings) {
      let slot = pending.get(greenhouse);
      if (!slot) {
        slot = new Map();
        pending.set(greenhouse, slot);
      }
      for (const r of readings) {
        const key = `${r.device}/${r.metric}`;
        const current = slot.get(key);
        if (!current || current.ts <= r.ts) slot.set(key, r);
      }
    },
    start() {
      timer = setInterval(publishPending, intervalMs);
    },
    stop() {
      clearInterval(timer);
      publishPending();
    },
  };
}
