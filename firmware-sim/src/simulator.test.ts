/** The simulator against a real in-process broker (aedes) on 127.0.0.1: protocol v1 end to end. */
import { type AddressInfo, createServer, type Server } from 'node:net';
import { AckPayload, buildTopic, demoCooperative, parseTopic, TelemetryReading, topicFilter } from '@canopy/core';
import { parseTelemetry } from '@canopy/core/node';
import { Aedes, type Client } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { Compile } from 'typebox/compile';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from './simulator.ts';

interface Seen {
  readonly kind: string;
  readonly device: string;
  readonly body: Record<string, unknown>;
  readonly retain: boolean;
}

const silent = { info() {}, warn() {}, error() {} };
const checkTelemetry = Compile(TelemetryReading);
const checkAck = Compile(AckPayload);

let broker: Aedes;
let server: Server;
let url: string;
let brokerClients: Map<string, Client>;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  broker = await Aedes.createBroker();
  brokerClients = new Map();
  broker.on('clientReady', (client) => brokerClients.set(client.id, client));
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function simulator(options: Partial<Parameters<typeof createSimulator>[0]> = {}): Simulator {
  const sim = createSimulator({ mqttUrl: url, devices: demoCooperative(3).devices, intervalMs: 40, seed: 1, logger: silent, ...options });
  cleanups.push(() => sim.stop());
  return sim;
}

/** A client that records every status, telemetry and ack message. */
async function observe(): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await connectAsync(url, {
    clientId: `observer-${Math.random().toString(36).slice(2)}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => {
    const parsed = parseTopic(topic);
    const device = parsed && 'deviceId' in parsed.params ? parsed.params.deviceId : '';
    seen.push({
      kind: parsed?.kind ?? topic,
      device,
      body: JSON.parse(payload.toString()) as Record<string, unknown>,
      retain: packet.retain,
    });
  });
  await client.subscribeAsync([topicFilter('status'), topicFilter('telemetry'), topicFilter('ack')], { qos: 1 });
  return { client, seen };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const command = (fields: Record<string, unknown>) =>
  JSON.stringify({ ts: Date.now(), expires_at: Date.now() + 10_000, actuator: 'valve_1', ...fields });

describe('simulator over MQTT', () => {
  it('announces itself, publishes valid telemetry, answers commands and says goodbye', async () => {
    const devices = demoCooperative(3).devices;
    const cmdTopic = buildTopic('cmd', { deviceId: 'gh1-irrigation' });
    const earlier = await observe();
    // A retained command replayed on subscribe is a stale order that no device should act on.
    await earlier.client.publishAsync(cmdTopic, command({ id: 'retained', action: 'on' }), { qos: 1, retain: true });
    const warnings: string[] = [];
    const sim = simulator({ logger: { ...silent, warn: (_: unknown, msg?: string) => warnings.push(msg ?? '') } });
    await sim.start();
    const { client, seen } = await observe();

    // Retained "online" reaches a subscriber that arrives later.
    await waitFor(() => seen.filter((s) => s.kind === 'status').length >= 3, 'retained status');
    for (const device of devices) {
      expect(seen).toContainEqual({ kind: 'status', device: device.id, body: { state: 'online' }, retain: true });
    }

    await waitFor(() => devices.every((d) => seen.filter((s) => s.kind === 'telemetry' && s.device === d.id).length >= 3), 'telemetry');
    for (const device of devices) {
      const readings = seen.filter((s) => s.kind === 'telemetry' && s.device === device.id).map((s) => s.body);
      const seqs = readings.map((r) => r.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      for (const reading of readings) {
        expect(checkTelemetry.Check(reading)).toBe(true);
        expect(Object.keys(reading.m as object).sort()).toEqual([...device.metrics].sort());
        expect(
          parseTelemetry(device.id, JSON.stringify(reading), { now: Date.now(), maxAgeMs: 60_000, maxFutureMs: 1_000 }).rejections,
        ).toEqual([]);
      }
    }

    await client.publishAsync(cmdTopic, command({ id: 'run', action: 'on', duration_s: 60 }), { qos: 1 });
    await client.publishAsync(cmdTopic, command({ id: 'late', action: 'on', expires_at: Date.now() - 1 }), { qos: 1 });
    await waitFor(() => seen.filter((s) => s.kind === 'ack').length >= 2, 'acks');
    const acks = seen.filter((s) => s.kind === 'ack');
    expect(acks.map((a) => a.body)).toEqual([
      { id: 'run', ok: true, state: 'on' },
      { id: 'late', ok: false, error: 'expired' },
    ]);
    expect(acks.every((a) => a.device === 'gh1-irrigation' && !a.retain && checkAck.Check(a.body))).toBe(true);
    expect(warnings).toEqual(['ignored a retained command: commands are never retained']);
    expect(sim.devices().find((d) => d.id === 'gh1-irrigation')?.actuators).toEqual({ valve_1: { state: 'on' } });
    await waitFor(
      () =>
        seen.some(
          (s) =>
            s.kind === 'telemetry' && s.device === 'gh1-irrigation' && ((s.body.m as Record<string, number>).water_flow_l_min ?? 0) > 0,
        ),
      'water flowing',
    );

    await sim.stop();
    expect(sim.devices()).toEqual([]);
    await waitFor(() => seen.filter((s) => s.kind === 'status' && s.body.state === 'offline').length >= 3, 'offline on stop');
    const later = await observe();
    await waitFor(() => later.seen.filter((s) => s.kind === 'status').length >= 3, 'retained offline');
    expect(later.seen.every((s) => s.kind === 'status' && s.body.state === 'offline' && s.retain)).toBe(true);
  });

  it('leaves its will when the connection drops, then reconnects', async () => {
    const sim = simulator({ devices: demoCooperative(1).devices });
    await sim.start();
    const { seen } = await observe();
    await waitFor(() => seen.some((s) => s.kind === 'status'), 'retained online');
    seen.length = 0;

    brokerClients.get('gh1-climate')?.conn.destroy();
    await waitFor(() => seen.some((s) => s.kind === 'status' && s.body.state === 'offline'), 'last will');
    await waitFor(() => seen.some((s) => s.kind === 'status' && s.body.state === 'online'), 'back online');
    expect(sim.devices()[0]?.online).toBe(true);
  });

  it('passes per-device credentials, and fails start() clearly when refused', async () => {
    const users: string[] = [];
    broker.authenticate = (client, username, password, done) => {
      users.push(username ?? '');
      done(null, username === client.id && password?.toString() === `pw-${client.id}`);
    };
    const good = simulator({ credentials: (id) => ({ username: id, password: `pw-${id}` }) });
    await good.start();
    expect(users.sort()).toEqual(['gh1-climate', 'gh1-irrigation', 'gh1-substrate']);
    await good.stop();

    const bad = simulator({ credentials: (id) => ({ username: id, password: 'wrong' }) });
    await expect(bad.start()).rejects.toThrow(/3 of 3 simulated devices could not connect to mqtt:\/\/127\.0\.0\.1:\d+.*Not authorized/);
    expect(bad.devices()).toEqual([]);
  });

  it('fails start() when no broker listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sim = simulator({ mqttUrl: `mqtt://user:secret@127.0.0.1:${port}` });
    const failure = sim.start();
    await expect(failure).rejects.toThrow(/could not connect to mqtt:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(/secret/);
  });
});
