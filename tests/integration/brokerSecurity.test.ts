/**
 * The locked-down broker against real clients — MQTT.js and Debian's mosquitto_pub/sub as an
 * outside client: authentication, the ACL, the packet size limit, the publish rate limit, and
 * hostile packets that must close only their own connection.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { buildTopic } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authArgs, mosquitto } from '../helpers/mosquitto.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** Resolves with the CONNACK return code of a refused connection (MQTT.js rejects with it as `code`). */
async function refusedWith(url: string, options: Parameters<typeof connectMqttReady>[1]): Promise<number | undefined> {
  try {
    const client = await connectMqttReady(url, { reconnectPeriod: 0, ...options });
    await client.endAsync();
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** A CONNECT packet (MQTT 3.1.1, keep-alive 60 s) with a username and password. */
function connectPacket(clientId: string, username: string, password: string, options: { clean: boolean } = { clean: true }): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, options.clean ? 0xc2 : 0xc0, 0, 60]),
    str(clientId),
    str(username),
    str(password),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('broker security', () => {
  let stack: Stack;
  let port: number;
  let watcher: MqttClient;
  const seen: Array<{ topic: string; payload: string }> = [];

  beforeAll(async () => {
    stack = await startStack({ store: 'sqlite' });
    port = Number(new URL(stack.mqttUrl).port);
    watcher = await connectMqttReady(stack.mqttUrl, { clientId: 'watcher', ...stack.service });
    watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync('canopy/v1/devices/#', { qos: 1 });
  });

  afterAll(async () => {
    await watcher?.endAsync();
    await stack?.stop();
  });

  /** Proves the broker still serves others: a service round trip through it. */
  async function stillServing(): Promise<void> {
    const marker = `alive-${Math.random()}`;
    const client = await connectMqttReady(stack.mqttUrl, { clientId: `probe-${Math.random().toString(36).slice(2)}`, ...stack.service });
    await client.publishAsync(buildTopic('ack', { deviceId: 'probe' }), marker, { qos: 1 });
    await waitFor(() => seen.find((m) => m.payload === marker), { what: 'the round trip' });
    await client.endAsync();
  }

  it('refuses a client with no credentials (MQTT.js and mosquitto_pub)', async () => {
    expect(await refusedWith(stack.mqttUrl, { clientId: 'gh1-climate' })).toBe(5);
    const run = await mosquitto('mosquitto_pub', [...authArgs({ port, clientId: 'gh1-climate' }), '-t', 'x', '-m', '1']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/not authori[sz]ed/i);
  });

  it('refuses a wrong secret and an unknown device alike', async () => {
    const { username, clientId } = stack.device('gh1-climate');
    expect(await refusedWith(stack.mqttUrl, { clientId, username, password: 'wrong' })).toBe(4);
    expect(await refusedWith(stack.mqttUrl, { clientId: 'nobody', username: 'nobody', password: 'x' })).toBe(4);
    const run = await mosquitto('mosquitto_pub', [...authArgs({ port, clientId, username, password: 'wrong' }), '-t', 'x', '-m', '1']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/bad user name or password/i);
  });

  it('refuses a device whose client id is not its device id', async () => {
    const { username, password } = stack.device('gh1-climate');
    expect(await refusedWith(stack.mqttUrl, { clientId: 'someone-else', username, password })).toBe(2);
  });

  it('refuses an empty client id with a persistent session (rc 2)', async () => {
    // MQTT.js will not even send this CONNECT, so it goes out as raw bytes.
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(connectPacket('', stack.service.username, stack.service.password, { clean: false }));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x02]);
    socket.destroy();
  });

  it('keeps the connected device when a takeover with a wrong secret is attempted', async () => {
    const legit = await connectMqttReady(stack.mqttUrl, stack.device('gh2-climate'));
    let dropped = false;
    legit.on('close', () => {
      dropped = true;
    });
    const { clientId, username } = stack.device('gh2-climate');
    expect(await refusedWith(stack.mqttUrl, { clientId, username, password: 'guessed' })).toBe(4);
    const run = await mosquitto('mosquitto_pub', [...authArgs({ port, clientId, username, password: 'guessed' }), '-t', 'x', '-m', '1']);
    expect(run.code).not.toBe(0);
    await legit.publishAsync(buildTopic('status', { deviceId: 'gh2-climate' }), '{"state":"online"}', { qos: 1, retain: true });
    expect(dropped).toBe(false);
    await legit.endAsync();
  });

  it("never delivers device A's publish to device B's topic, and B's store gets nothing", async () => {
    const a = await connectMqttReady(stack.mqttUrl, { ...stack.device('gh1-climate'), reconnectPeriod: 0 });
    const forgedTs = Date.now() - 120_000;
    const aClosed = closed(a);
    a.publish(buildTopic('telemetry', { deviceId: 'gh1-substrate' }), JSON.stringify({ ts: forgedTs, m: { soil_moisture_pct: 99 } }), {
      qos: 1,
    });
    await aClosed;
    a.end(true);
    // The same attempt from the outside client.
    const { clientId, username, password } = stack.device('gh1-climate');
    const forged = JSON.stringify({ ts: forgedTs + 1, m: { soil_moisture_pct: 98 } });
    await mosquitto('mosquitto_pub', [
      ...authArgs({ port, clientId, username, password }),
      '-q',
      '1',
      '-t',
      buildTopic('telemetry', { deviceId: 'gh1-substrate' }),
      '-m',
      forged,
    ]);

    // B's own reading, published after, arrives: the forged ones would have arrived first.
    const b = await connectMqttReady(stack.mqttUrl, stack.device('gh1-substrate'));
    const sentinelTs = Date.now() - 60_000;
    await b.publishAsync(buildTopic('telemetry', { deviceId: 'gh1-substrate' }), JSON.stringify({ ts: sentinelTs, m: { ph: 6.4 } }), {
      qos: 1,
    });
    await waitFor(async () => {
      const [series] = await stack.data.store.range({
        greenhouse: 'gh-1',
        metrics: ['ph'],
        from: sentinelTs,
        to: sentinelTs + 1,
        stepMs: 1_000,
        byDevice: false,
      });
      return series?.points.length ? true : undefined;
    });
    const forgedSeries = await stack.data.store.range({
      greenhouse: 'gh-1',
      metrics: ['soil_moisture_pct'],
      from: forgedTs,
      to: forgedTs + 2,
      stepMs: 1_000,
      byDevice: true,
    });
    expect(forgedSeries.flatMap((s) => s.points)).toEqual([]);
    expect(seen.filter((m) => m.payload.includes('soil_moisture_pct'))).toEqual([]);
    expect(stack.broker.stats().deniedPublishes).toBeGreaterThanOrEqual(2);
    await b.endAsync();
  });

  it('refuses subscriptions to # and $SYS/# in the SUBACK (MQTT.js and mosquitto_sub)', async () => {
    const device = await connectMqttReady(stack.mqttUrl, stack.device('gh1-irrigation'));
    // MQTT.js rejects a SUBACK with refusals; the packet is on the error.
    const refusal = (await device
      .subscribeAsync(['#', '$SYS/#', 'canopy/v1/devices/+/cmd', buildTopic('cmd', { deviceId: 'gh1-climate' })], { qos: 1 })
      .catch((err: unknown) => err)) as { packet?: { granted?: number[] } };
    expect(refusal.packet?.granted).toEqual([128, 128, 128, 128]);
    const [own] = await device.subscribeAsync(buildTopic('cmd', { deviceId: 'gh1-irrigation' }), { qos: 1 });
    expect(own?.qos).toBe(1);
    await device.endAsync();

    const { clientId, username, password } = stack.device('gh1-irrigation');
    for (const filter of ['#', '$SYS/#']) {
      const run = await mosquitto('mosquitto_sub', [...authArgs({ port, clientId, username, password }), '-t', filter, '-W', '3']);
      expect(run.stderr).toMatch(/all subscription requests were denied/i);
      expect(run.stdout).toBe('');
    }
  });

  it('cuts off a 1 MiB publish at its header and keeps serving others', async () => {
    const before = stack.broker.stats().oversized;
    const device = await connectMqttReady(stack.mqttUrl, { ...stack.device('gh2-substrate'), reconnectPeriod: 0 });
    const gone = closed(device);
    device.publish(buildTopic('telemetry', { deviceId: 'gh2-substrate' }), Buffer.alloc(1024 * 1024, 0x20), { qos: 0 });
    await gone;
    device.end(true);

    const file = join(stack.dataDir, 'big.txt');
    writeFileSync(file, Buffer.alloc(1024 * 1024, 0x20));
    const { clientId, username, password } = stack.device('gh2-substrate');
    const run = await mosquitto('mosquitto_pub', [
      ...authArgs({ port, clientId, username, password }),
      '-q',
      '1',
      '-t',
      buildTopic('telemetry', { deviceId: 'gh2-substrate' }),
      '-f',
      file,
    ]);
    expect(run.code).not.toBe(0);
    expect(stack.broker.stats().oversized).toBe(before + 2);
    await stillServing();
  });

  it('closes a connection announcing 64 MiB long before the body is sent', async () => {
    const { clientId, username, password } = stack.device('gh2-irrigation');
    const socket = createConnection({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    socket.write(connectPacket(clientId, username, password));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x00]);
    // PUBLISH announcing 64 MiB (Remaining Length 0x80 0x80 0x80 0x20), then body chunks.
    socket.on('error', () => {});
    const isClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const drained = () => new Promise<void>((resolve) => socket.once('drain', () => resolve()));
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x20]));
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024);
    while (!socket.destroyed && sent < 8 * 1024 * 1024) {
      if (!socket.write(chunk)) await Promise.race([drained(), isClosed]);
      sent += chunk.length;
    }
    await isClosed;
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    await stillServing();
  });

  it('throttles a publish flood and keeps serving the other devices', async () => {
    const flooder = await connectMqttReady(stack.mqttUrl, { ...stack.device('gh1-irrigation'), reconnectPeriod: 0 });
    flooder.on('error', () => {});
    const topic = buildTopic('telemetry', { deviceId: 'gh1-irrigation' });
    for (let i = 0; i < 3_000; i++) flooder.publish(topic, '{"m":{}}', { qos: 0 });

    const other = await connectMqttReady(stack.mqttUrl, stack.device('gh1-climate'));
    const marker = JSON.stringify({ ts: Date.now() - 1_000, m: { co2_ppm: 812 } });
    await other.publishAsync(buildTopic('telemetry', { deviceId: 'gh1-climate' }), marker, { qos: 1 });
    // Bounded, not timed: on a loaded machine the flood's admitted messages are delivered first.
    await waitFor(() => seen.find((m) => m.payload === marker), { what: "the other device's reading", timeoutMs: 30_000 });
    const flooded = seen.filter((m) => m.topic === topic).length;
    expect(flooded).toBeLessThan(3_000);
    const stats = stack.broker.stats();
    expect(stats.throttled + stats.flooders).toBeGreaterThan(0);
    flooder.end(true);
    await other.endAsync();
  });

  it('closes only the offender on hostile packets', async () => {
    const device = await connectMqttReady(stack.mqttUrl, { ...stack.device('gh2-climate'), reconnectPeriod: 0 });
    const gone = closed(device);
    device.publish(`${'a/'.repeat(300)}b`, 'x', { qos: 0 });
    await gone;
    device.end(true);

    const { clientId, username, password } = stack.device('gh2-climate');
    const hostile = [
      Buffer.from([0x30, 0x03, 0x00, 0x00, 0x78]), // PUBLISH with a zero-length topic
      Buffer.from([0x82, 0x02, 0x00, 0x01]), // SUBSCRIBE with no topic filter
      Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x23, 0x00]), // SUBSCRIBE with reserved flags wrong
    ];
    for (const packet of hostile) {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(connectPacket(clientId, username, password));
      await once(socket, 'data');
      const isClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(packet);
      await isClosed;
    }
    await stillServing();
  });
});
