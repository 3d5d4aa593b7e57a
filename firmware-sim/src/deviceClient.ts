/**
 * One simulated device on MQTT, following protocol v1: its own connection with a retained
 * "offline" will, a retained "online" once subscribed to its commands, telemetry every interval,
 * and an ack for every command it can read.
 */
import { buildTopic } from '@canopy/core';
import { connectMqtt } from '@canopy/core/node';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { CommandHandler } from './commands.ts';
import type { DeviceModel } from './deviceModel.ts';
import { createRng, hashSeed } from './random.ts';

/** The subset of pino the simulator uses. */
export interface SimLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface DeviceClientOptions {
  readonly mqttUrl: string;
  readonly model: DeviceModel;
  readonly commands: CommandHandler;
  readonly intervalMs: number;
  /** Delay of the first reading, so devices spread over the interval instead of firing together. */
  readonly phaseMs: number;
  readonly seed: number;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly now: () => number;
  readonly logger: SimLogger;
}

export interface DeviceClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly online: boolean;
  /** Readings published since start. */
  readonly published: number;
}

const ONLINE = JSON.stringify({ state: 'online' });
const OFFLINE = JSON.stringify({ state: 'offline' });
/** Each interval is stretched or shortened by up to ±5 %, as a device's crystal and workload would. */
const JITTER = 0.1;
/** How long stop() waits for the broker before dropping the connection. */
const STOP_TIMEOUT_MS = 2_000;

/** True if `promise` settles successfully within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves on the client's first connect; rejects on its first error, or if it is ended first. */
function firstConnect(c: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      c.off('connect', onConnect);
      c.off('error', settle);
      c.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => settle();
    const onEnd = () => settle(new Error('stopped before connecting'));
    c.on('connect', onConnect);
    c.on('error', settle);
    c.on('end', onEnd);
  });
}

export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  const { model, logger } = options;
  const id = model.device.id;
  let client: MqttClient | undefined;
  let detach: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let online = false;
  let errorLogged = false;
  let seq = 0;

  async function start(): Promise<void> {
    const t = {
      status: buildTopic('status', { deviceId: id }),
      telemetry: buildTopic('telemetry', { deviceId: id }),
      cmd: buildTopic('cmd', { deviceId: id }),
      ack: buildTopic('ack', { deviceId: id }),
    };
    const jitter = createRng(hashSeed(options.seed, 'timing', id));
    const c = connectMqtt(options.mqttUrl, {
      clientId: id,
      protocolVersion: 4,
      clean: true,
      // Subscribed afresh on every connect, before announcing "online".
      resubscribe: false,
      will: { topic: t.status, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ...(options.credentials ?? {}),
    });
    client = c;
    seq = 0;

    const announce = async () => {
      const [grant] = await c.subscribeAsync(t.cmd, { qos: 1 });
      if (grant?.qos === 128) throw new Error(`broker refused the subscription to ${t.cmd}`);
      await c.publishAsync(t.status, ONLINE, { qos: 1, retain: true });
    };
    const onConnect = () => {
      online = true;
      errorLogged = false;
      if (!started) return;
      announce().then(
        () => logger.info({ device: id }, 'device reconnected'),
        (err: Error) => logger.warn({ device: id, err: err.message }, 'device could not announce itself after reconnecting'),
      );
    };
    const onClose = () => {
      if (online && started) logger.warn({ device: id }, 'device disconnected, reconnecting');
      online = false;
    };
    const onError = (err: Error) => {
      // Before start() resolves the error rejects it instead; afterwards one line per outage is enough.
      if (!started || errorLogged) return;
      errorLogged = true;
      logger.warn({ device: id, err: err.message }, 'device connection error');
    };
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (topic !== t.cmd) return;
      if (packet.retain) {
        logger.warn({ device: id }, 'ignored a retained command: commands are never retained');
        return;
      }
      const ack = options.commands.handle(payload, options.now());
      if (ack === undefined) {
        logger.warn({ device: id }, 'ignored an unreadable command');
        return;
      }
      logger.info({ device: id, ack }, 'command handled');
      c.publish(t.ack, JSON.stringify(ack), { qos: 1 }, (err) => {
        if (err && started) logger.warn({ device: id, err: err.message }, 'could not publish ack');
      });
    };
    const tick = () => {
      // No store-and-forward yet: a reading due while disconnected is not taken.
      if (c.connected) {
        const now = options.now();
        const reading = { ts: Math.floor(now), seq, m: model.sample(now) };
        seq += 1;
        c.publish(t.telemetry, JSON.stringify(reading), { qos: 1 }, (err) => {
          if (err && started) logger.warn({ device: id, err: err.message }, 'could not publish telemetry');
        });
      }
      timer = setTimeout(tick, options.intervalMs * (1 + JITTER * (jitter.next() - 0.5)));
    };

    c.on('connect', onConnect);
    c.on('close', onClose);
    c.on('error', onError);
    c.on('message', onMessage);
    // The error listener stays: a late socket error on the dead client must not throw.
    detach = () => {
      c.off('connect', onConnect);
      c.off('close', onClose);
      c.off('message', onMessage);
    };
    try {
      await firstConnect(c);
      await announce();
    } catch (err) {
      await stop();
      throw new Error(`device ${id}: ${(err as Error).message}`, { cause: err });
    }
    started = true;
    timer = setTimeout(tick, options.phaseMs);
  }

  async function stop(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    started = false;
    const c = client;
    client = undefined;
    if (c === undefined) return;
    // A clean DISCONNECT makes the broker drop the will, so say "offline" ourselves first.
    const status = buildTopic('status', { deviceId: id });
    const graceful = c.connected && (await within(c.publishAsync(status, OFFLINE, { qos: 1, retain: true }), STOP_TIMEOUT_MS));
    if (!(await within(c.endAsync(!graceful), STOP_TIMEOUT_MS))) c.stream.destroy();
    detach?.();
    detach = undefined;
    online = false;
  }

  return {
    start,
    stop,
    get online() {
      return online;
    },
    get published() {
      return seq;
    },
  };
}
