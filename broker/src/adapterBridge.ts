/**
 * Translates off-the-shelf firmware to protocol v1 at the broker's edge, so ingest sees one
 * format. Readings are stamped with their arrival time here and re-published on the device's
 * canonical telemetry topic at QoS 1: a QoS 0 reading from stock firmware then survives an
 * ingest restart like any other, and a redelivery carries the same timestamp, so it is stored
 * once. Commands for Tasmota devices go out as `POWER<n>`, and its RESULT comes back as the ack.
 *
 * The broker's `published` hook holds up the publishing client until it returns, so messages
 * are only queued there (bounded) and translated on a later tick.
 */
import { buildTopic } from '@canopy/core';
import {
  type DeviceAuthRecord,
  type Logger,
  mappingFor,
  parseCommandPayload,
  parseEsphomeState,
  parseEsphomeStatus,
  parseEsphomeTopic,
  parseTasmotaLwt,
  parseTasmotaResult,
  parseTasmotaSensor,
  type TasmotaTopicScheme,
  tasmotaCommand,
  utcOffsetMinutes,
} from '@canopy/core/node';

export interface OutgoingPacket {
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export interface AdapterStats {
  translated: number;
  /** Tasmota `Time` unusable or more than the allowed skew from arrival: arrival time used. */
  clockSkew: number;
  /** Queue full: the broker was given more than it could translate. */
  dropped: number;
  commands: number;
}

export interface AdapterBridge {
  /** From the `published` hook: a device's own firmware topic. False when the queue is full. */
  fromDevice(device: DeviceAuthRecord, topic: string, payload: Buffer): boolean;
  /** From the `published` hook: a protocol v1 command for an adapter device. */
  command(device: DeviceAuthRecord, payload: Buffer): boolean;
  stats(): Readonly<AdapterStats>;
  stop(): void;
}

export interface AdapterBridgeOptions {
  readonly tasmota: TasmotaTopicScheme;
  readonly maxSkewMs: number;
  readonly maxQueued: number;
  readonly publish: (packet: OutgoingPacket) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Job {
  readonly device: DeviceAuthRecord;
  readonly topic: string | undefined;
  readonly payload: Buffer;
  readonly receivedAt: number;
}

/** Jobs per tick, so a burst of translations never holds the event loop for long. */
const BATCH = 200;

export function createAdapterBridge(options: AdapterBridgeOptions): AdapterBridge {
  const now = options.now ?? Date.now;
  const stats: AdapterStats = { translated: 0, clockSkew: 0, dropped: 0, commands: 0 };
  const queue: Job[] = [];
  /** Command ids awaiting a Tasmota RESULT, per device and relay. */
  const pending = new Map<string, Map<number, string>>();
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;

  const send = (packet: OutgoingPacket) =>
    options.publish(packet).catch((err: unknown) => options.logger.warn({ err, topic: packet.topic }, 'could not publish translation'));

  const status = (device: DeviceAuthRecord, state: 'online' | 'offline') =>
    send({ topic: buildTopic('status', { deviceId: device.id }), payload: JSON.stringify({ state }), qos: 1, retain: true });

  const telemetry = (device: DeviceAuthRecord, reading: { ts: number; m: Record<string, number> }) => {
    stats.translated += 1;
    return send({ topic: buildTopic('telemetry', { deviceId: device.id }), payload: JSON.stringify(reading), qos: 1, retain: false });
  };

  const ack = (device: DeviceAuthRecord, body: { id: string; ok: boolean; state?: string; error?: string }) =>
    send({ topic: buildTopic('ack', { deviceId: device.id }), payload: JSON.stringify(body), qos: 1, retain: false });

  function tasmotaJob(device: DeviceAuthRecord, topic: string, text: string, receivedAt: number): void {
    const parsed = options.tasmota.parse(topic);
    if (!parsed || parsed.topic !== device.topic) return;
    if (parsed.prefix === 'tele' && parsed.suffix === 'SENSOR') {
      const utcOffsetMin = device.utcOffsetMin ?? utcOffsetMinutes(device.timeZone, receivedAt) ?? 0;
      const mapping = mappingFor('tasmota', device.mapping);
      const result = parseTasmotaSensor(text, { mapping, utcOffsetMin, receivedAt, maxSkewMs: options.maxSkewMs });
      if (!result.reading) return;
      if (result.clockSkew) stats.clockSkew += 1;
      void telemetry(device, result.reading);
    } else if (parsed.prefix === 'tele' && parsed.suffix === 'LWT') {
      const state = parseTasmotaLwt(text);
      if (state) void status(device, state);
    } else if (parsed.prefix === 'stat' && parsed.suffix === 'RESULT') {
      const waiting = pending.get(device.id);
      for (const { relay, state } of parseTasmotaResult(text)) {
        const id = waiting?.get(relay);
        if (id === undefined) continue;
        waiting?.delete(relay);
        void ack(device, { id, ok: true, state });
      }
    }
  }

  function esphomeJob(device: DeviceAuthRecord, topic: string, text: string, receivedAt: number): void {
    if (device.topic === null) return;
    const parsed = parseEsphomeTopic(device.topic, topic);
    if (parsed?.kind === 'sensor') {
      const reading = parseEsphomeState(parsed.objectId, text, mappingFor('esphome', device.mapping), receivedAt);
      if (reading) void telemetry(device, reading);
    } else if (parsed?.kind === 'status') {
      const state = parseEsphomeStatus(text);
      if (state) void status(device, state);
    }
  }

  function commandJob(device: DeviceAuthRecord, text: string, at: number): void {
    const body = parseCommandPayload(text);
    if (body === undefined || device.kind !== 'tasmota' || device.topic === null) return;
    const out = tasmotaCommand(body, at);
    if ('error' in out) {
      void ack(device, { id: body.id, ok: false, error: out.error });
      return;
    }
    stats.commands += 1;
    const relays = pending.get(device.id) ?? new Map<number, string>();
    relays.set(Number(out.suffix.slice('POWER'.length)), body.id);
    pending.set(device.id, relays);
    void send({ topic: options.tasmota.build('cmnd', device.topic, out.suffix), payload: out.payload, qos: 1, retain: false });
  }

  function drain(): void {
    scheduled = undefined;
    for (const job of queue.splice(0, BATCH)) {
      try {
        const text = job.payload.toString('utf8');
        if (job.topic === undefined) commandJob(job.device, text, job.receivedAt);
        else if (job.device.kind === 'tasmota') tasmotaJob(job.device, job.topic, text, job.receivedAt);
        else if (job.device.kind === 'esphome') esphomeJob(job.device, job.topic, text, job.receivedAt);
      } catch (err) {
        options.logger.warn({ err, device: job.device.id }, 'translation failed');
      }
    }
    if (queue.length > 0 && !stopped) scheduled = setImmediate(drain);
  }

  function enqueue(job: Job): boolean {
    if (stopped) return false;
    if (queue.length >= options.maxQueued) {
      stats.dropped += 1;
      return false;
    }
    queue.push(job);
    scheduled ??= setImmediate(drain);
    return true;
  }

  return {
    fromDevice: (device, topic, payload) => enqueue({ device, topic, payload, receivedAt: now() }),
    command: (device, payload) => enqueue({ device, topic: undefined, payload, receivedAt: now() }),
    stats: () => ({ ...stats }),
    stop() {
      stopped = true;
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      queue.length = 0;
      pending.clear();
    },
  };
}
