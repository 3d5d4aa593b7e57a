/**
 * Fans accepted readings out to the API nodes, at most one message per greenhouse per interval,
 * keeping only the newest value per device and metric: the dashboard wants the current picture,
 * not every sample, and this bounds the traffic whatever the ingest rate.
 *
 * A throttle per greenhouse, not one timer for all: a greenhouse that sent nothing for an
 * interval sends on the next turn of the event loop (leading edge), a busy one one interval after
 * its previous message. Each greenhouse keeps the phase it became busy in, so greenhouses that do
 * not start together do not all send in one burst per interval either.
 */
import { buildTopic, type LiveMessage, type LiveSample } from '@canopy/core';
import type { StoredReading } from '@canopy/core/node';

export interface LivePublisher {
  add(greenhouse: string, readings: readonly StoredReading[]): void;
  /** Sends what is pending at once; later readings are ignored. */
  stop(): void;
}

export type PublishLive = (topic: string, payload: string) => void;

/**
 * A greenhouse's message is split beyond this: the broker closes a connection that sends a packet
 * over MQTT_MAX_PACKET_BYTES (64 KiB by default), and ~280 devices of 10 readings reach that.
 */
const MAX_PAYLOAD_CHARS = 32 * 1024;

interface Room {
  /**
   * The newest reading per device and metric since the last message, by device then metric: no
   * key string to build and hash for every reading.
   */
  pending: Map<string, Map<string, StoredReading>>;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
}

export function createLivePublisher(publish: PublishLive, intervalMs: number): LivePublisher {
  // One entry per greenhouse that ever sent: bounded by the cooperative, not by the traffic.
  const rooms = new Map<string, Room>();
  let stopped = false;

  function send(greenhouse: string, room: Room): void {
    room.timer = undefined;
    room.sentAt = Date.now();
    const samples: LiveSample[] = [];
    for (const [device, metrics] of room.pending) {
      // A device's pending readings nearly always share one timestamp: one sample.
      const first = samples.length;
      for (const r of metrics.values()) {
        let sample: LiveSample | undefined;
        for (let i = first; i < samples.length && !sample; i++) if ((samples[i] as LiveSample).ts === r.ts) sample = samples[i];
        if (!sample) {
          sample = { device, ts: r.ts, m: {} };
          samples.push(sample);
        }
        sample.m[r.metric] = r.value;
      }
    }
    room.pending = new Map();
    const topic = buildTopic('live', { greenhouseId: greenhouse });
    const whole = JSON.stringify({ greenhouse, samples } satisfies LiveMessage);
    if (whole.length <= MAX_PAYLOAD_CHARS) {
      publish(topic, whole);
      return;
    }
    // Ids are ASCII, so characters are bytes; equal parts of samples are of about equal size.
    const size = Math.ceil(samples.length / Math.ceil(whole.length / MAX_PAYLOAD_CHARS));
    for (let i = 0; i < samples.length; i += size) {
      publish(topic, JSON.stringify({ greenhouse, samples: samples.slice(i, i + size) } satisfies LiveMessage));
    }
  }

  return {
    add(greenhouse, readings) {
      if (stopped || readings.length === 0) return;
      let room = rooms.get(greenhouse);
      if (!room) {
        room = { pending: new Map(), sentAt: Number.NEGATIVE_INFINITY, timer: undefined };
        rooms.set(greenhouse, room);
      }
      for (const r of readings) {
        let metrics = room.pending.get(r.device);
        if (!metrics) {
          metrics = new Map();
          room.pending.set(r.device, metrics);
        }
        const current = metrics.get(r.metric);
        if (!current || current.ts <= r.ts) metrics.set(r.metric, r);
      }
      if (room.timer) return;
      // Even when idle, wait for the next turn: the rest of the messages read in this one join the message.
      const due = Math.max(0, room.sentAt + intervalMs - Date.now());
      const target = room;
      room.timer = setTimeout(() => send(greenhouse, target), due);
    },
    stop() {
      stopped = true;
      for (const [greenhouse, room] of rooms) {
        if (!room.timer) continue;
        clearTimeout(room.timer);
        send(greenhouse, room);
      }
    },
  };
}
