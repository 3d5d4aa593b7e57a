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
   * What ingest added since the last message, by device, one array per message as added: a
   * device's only message of an interval (the usual case) becomes its sample as it is, without a
   * map entry per reading.
   */
  pending: Map<string, Array<readonly StoredReading[]>>;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** One sample per timestamp, in the order first seen; later readings of a metric replace earlier ones. */
function pushSamples(device: string, readings: Iterable<StoredReading>, out: LiveSample[]): void {
  const first = out.length;
  for (const r of readings) {
    let sample: LiveSample | undefined;
    for (let i = first; i < out.length && !sample; i++) if ((out[i] as LiveSample).ts === r.ts) sample = out[i];
    if (!sample) {
      sample = { device, ts: r.ts, m: {} };
      out.push(sample);
    }
    sample.m[r.metric] = r.value;
  }
}

/** One message of one timestamp: its readings are the device's newest as they stand. */
function isOneTimestamp(messages: ReadonlyArray<readonly StoredReading[]>): boolean {
  const only = messages.length === 1 ? messages[0] : undefined;
  const ts = only?.[0]?.ts;
  return only?.every((r) => r.ts === ts) ?? false;
}

/** A device's samples: the newest reading per metric. Its only message of an interval (the usual case) is used as it is. */
function deviceSamples(device: string, messages: ReadonlyArray<readonly StoredReading[]>, out: LiveSample[]): void {
  if (isOneTimestamp(messages)) {
    pushSamples(device, messages[0] as readonly StoredReading[], out);
    return;
  }
  const newest = new Map<string, StoredReading>();
  for (const readings of messages)
    for (const r of readings) {
      const current = newest.get(r.metric);
      if (!current || current.ts <= r.ts) newest.set(r.metric, r);
    }
  pushSamples(device, newest.values(), out);
}

export function createLivePublisher(publish: PublishLive, intervalMs: number): LivePublisher {
  // One entry per greenhouse that ever sent: bounded by the cooperative, not by the traffic.
  const rooms = new Map<string, Room>();
  let stopped = false;

  function send(greenhouse: string, room: Room): void {
    room.timer = undefined;
    room.sentAt = Date.now();
    const samples: LiveSample[] = [];
    for (const [device, messages] of room.pending) deviceSamples(device, messages, samples);
    room.pending = new Map();
    if (samples.length === 0) return;
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
      // A message is one device's; a caller's mixed array is split into runs of one device.
      for (let i = 0; i < readings.length; ) {
        const device = (readings[i] as StoredReading).device;
        let end = i + 1;
        while (end < readings.length && (readings[end] as StoredReading).device === device) end++;
        const run = i === 0 && end === readings.length ? readings : readings.slice(i, end);
        const messages = room.pending.get(device);
        if (messages) messages.push(run);
        else room.pending.set(device, [run]);
        i = end;
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
