/**
 * The benchmark's load generator, in its own process so its CPU is not the pipeline's: devices
 * publish QoS 1 telemetry (8 metrics a message) at a set total rate for a set time, with the
 * publish time as the device timestamp. Optionally one subscriber counts what the broker
 * relays (the bare-broker anchor). Prints one JSON line with the counts.
 *
 * It speaks MQTT 3.1.1 over plain sockets itself (CONNECT, PUBLISH QoS 1, PUBACK, SUBSCRIBE):
 * through MQTT.js it cost ~60 µs of CPU per message, so at 20,000 msg/s it took more than half
 * of this 2-core machine from the processes it measures. Each device's publishes of one tick
 * leave in one write; the subscriber acknowledges what one read brought in one write.
 * Usage: node --import tsx scripts/bench/loadgen.ts '<json LoadSpec>'
 */
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { buildTopic, topicFilter } from '@canopy/core';
import { telemetryBody } from './telemetryBody.ts';

export interface LoadSpec {
  readonly mqttUrl: string;
  readonly devices: ReadonlyArray<{ clientId: string; username: string; password: string }>;
  readonly ratePerS: number;
  readonly durationMs: number;
  /** Counts relayed messages with these credentials (the bare-broker anchor). */
  readonly subscriber?: { clientId: string; username: string; password: string } | undefined;
  /** Epoch ms to start publishing at, once connected (several generators start together). */
  readonly startAt?: number;
}

export interface LoadResult {
  readonly published: number;
  readonly acked: number;
  readonly relayed: number;
  readonly firstPublishAt: number;
  readonly lastAckAt: number;
  readonly lastRelayAt: number;
  /** CPU seconds (user + system) this generator used while publishing and waiting for acks. */
  readonly cpuS?: number;
}

const TICK_MS = 10;

function lengthPrefixed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

interface Connection {
  readonly socket: Socket;
  /** Runs for every whole packet received after the CONNACK. */
  onPacket: (type: number, flags: number, body: Buffer) => void;
}

/** Connects with a clean session and no keep-alive; resolves once the CONNACK accepted it. */
async function connect(url: string, creds: { clientId: string; username: string; password: string }): Promise<Connection> {
  const { hostname, port } = new URL(url);
  const socket = createConnection({ host: hostname, port: Number(port || 1883), noDelay: true });
  await once(socket, 'connect');
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x80 | 0x40 | 0x02, 0, 0]);
  socket.write(
    packet(0x10, Buffer.concat([variable, lengthPrefixed(creds.clientId), lengthPrefixed(creds.username), lengthPrefixed(creds.password)])),
  );
  const conn: Connection = { socket, onPacket: () => {} };
  let pending: Buffer = Buffer.alloc(0);
  let connack: ((rc: number) => void) | undefined;
  const accepted = new Promise<number>((resolve) => {
    connack = resolve;
  });
  socket.on('data', (chunk: Buffer) => {
    const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let length = 0;
      let mult = 1;
      let i = at + 1;
      let complete = false;
      for (; i < buf.length && i < at + 5; i++) {
        const b = buf[i] as number;
        length += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          i += 1;
          break;
        }
      }
      if (!complete || buf.length - i < length) break;
      const first = buf[at] as number;
      const body = buf.subarray(i, i + length);
      at = i + length;
      if (first >> 4 === 2) connack?.(body[1] ?? 255);
      else conn.onPacket(first >> 4, first & 0x0f, body);
    }
    pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  });
  socket.on('error', () => {});
  const rc = await accepted;
  if (rc !== 0) {
    socket.destroy();
    throw new Error(`CONNECT refused for ${creds.clientId}: return code ${rc}`);
  }
  return conn;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;

let published = 0;
let acked = 0;
let lastAckAt = 0;
let relayed = 0;
let lastRelayAt = 0;

interface Device {
  readonly conn: Connection;
  readonly topic: Buffer;
  nextId: number;
  lastTs: number;
  /** Packets of this tick, written together. */
  out: Buffer[];
}

const devices: Device[] = [];
for (let i = 0; i < spec.devices.length; i += 50) {
  const batch = spec.devices.slice(i, i + 50);
  const conns = await Promise.all(batch.map((d) => connect(spec.mqttUrl, d)));
  conns.forEach((conn, j) => {
    const id = batch[j]?.clientId ?? '';
    conn.onPacket = (type) => {
      if (type !== 4) return;
      acked += 1;
      lastAckAt = Date.now();
    };
    devices.push({ conn, topic: lengthPrefixed(buildTopic('telemetry', { deviceId: id })), nextId: 1, lastTs: 0, out: [] });
  });
}

let sub: Connection | undefined;
if (spec.subscriber) {
  const s = await connect(spec.mqttUrl, spec.subscriber);
  sub = s;
  const subscribed = new Promise<void>((resolve) => {
    let acks: number[] = [];
    s.onPacket = (type, flags, body) => {
      if (type === 9) return resolve();
      if (type !== 3) return;
      relayed += 1;
      lastRelayAt = Date.now();
      if (((flags >> 1) & 3) === 0) return;
      const topicLength = body.readUInt16BE(0);
      const id = body.readUInt16BE(2 + topicLength);
      if (acks.length === 0)
        queueMicrotask(() => {
          const buf = Buffer.allocUnsafe(acks.length * 4);
          acks.forEach((a, k) => {
            buf.writeUInt32BE(0x40020000 | a, k * 4);
          });
          acks = [];
          s.socket.write(buf);
        });
      acks.push(id);
    };
  });
  s.socket.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), lengthPrefixed(topicFilter('telemetry')), Buffer.from([1])])));
  await subscribed;
}

function publishPacket(device: Device, body: string): Buffer {
  const id = device.nextId;
  device.nextId = id >= 65_535 ? 1 : id + 1;
  const bodyBytes = Buffer.byteLength(body);
  const rest = device.topic.length + 2 + bodyBytes;
  const header = remainingLength(rest);
  const out = Buffer.allocUnsafe(1 + header.length + rest);
  out[0] = 0x32;
  header.copy(out, 1);
  let at = 1 + header.length;
  at += device.topic.copy(out, at);
  out.writeUInt16BE(id, at);
  out.write(body, at + 2);
  return out;
}

let next = 0;
if (spec.startAt !== undefined && spec.startAt > Date.now()) await new Promise((r) => setTimeout(r, (spec.startAt ?? 0) - Date.now()));
const cpuAtStart = process.cpuUsage();
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
    const touched = new Set<Device>();
    for (let i = 0; i < due; i++) {
      const device = devices[next++ % devices.length];
      if (!device) break;
      const ts = Math.max(Date.now(), device.lastTs + 1);
      device.lastTs = ts;
      const body = telemetryBody(ts, published);
      published += 1;
      device.out.push(publishPacket(device, body));
      touched.add(device);
    }
    for (const device of touched) {
      device.conn.socket.write(device.out.length === 1 ? (device.out[0] as Buffer) : Buffer.concat(device.out));
      device.out = [];
    }
  }, TICK_MS);
});
// Outstanding acknowledgements, and the relay's tail, for a bounded while.
const deadline = Date.now() + 30_000;
while (Date.now() < deadline && (acked < published || (sub && relayed < acked))) await new Promise((r) => setTimeout(r, 50));
const cpu = process.cpuUsage(cpuAtStart);
const cpuS = (cpu.user + cpu.system) / 1e6;
const result: LoadResult = { published, acked, relayed, firstPublishAt, lastAckAt, lastRelayAt, cpuS };
console.log(JSON.stringify(result));
for (const d of devices) d.conn.socket.end(Buffer.from([0xe0, 0]));
sub?.socket.end(Buffer.from([0xe0, 0]));
process.exit(0);
