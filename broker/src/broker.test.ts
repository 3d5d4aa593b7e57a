import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTopic, topicFilter } from '@canopy/core';
import { connectMqttReady, createLogger } from '@canopy/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from './broker.ts';
import { type BrokerConfig, loadConfig } from './config.ts';

describe('broker', () => {
  let broker: Broker;
  let config: BrokerConfig;
  const dataDir = mkdtempSync(join(tmpdir(), 'canopy-broker-'));
  const logger = createLogger({ name: 'test', level: 'silent' });

  beforeAll(async () => {
    config = loadConfig({ DATA_DIR: dataDir, MQTT_HOST: '127.0.0.1', MQTT_PORT: '0' });
    broker = createBroker(config, logger);
    await broker.start();
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('relays QoS 1 telemetry and never delivers a retained command', async () => {
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    const service = (clientId: string) => ({ clientId, ...config.service });
    const sub = await connectMqttReady(url, service('sub'));
    const pub = await connectMqttReady(url, service('pub'));
    const received: string[] = [];
    sub.on('message', (topic) => received.push(topic));
    await sub.subscribeAsync([topicFilter('telemetry'), topicFilter('cmd')], { qos: 1 });

    // Refused under MQTT 3.1.1 means disconnected, so the offender gets its own client.
    const offender = await connectMqttReady(url, { ...service('offender'), reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => offender.once('close', () => resolve()));
    offender.publish(buildTopic('cmd', { deviceId: 'd1' }), '{}', { qos: 1, retain: true });
    await closed;
    offender.end(true);
    await pub.publishAsync(buildTopic('telemetry', { deviceId: 'd1' }), '{"m":{}}', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([buildTopic('telemetry', { deviceId: 'd1' })]);

    // A late subscriber finds no retained command either.
    const late = await connectMqttReady(url, service('late'));
    const lateSeen: string[] = [];
    late.on('message', (topic) => lateSeen.push(topic));
    await late.subscribeAsync(topicFilter('cmd'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(lateSeen).toEqual([]);
    await Promise.all([sub.endAsync(), pub.endAsync(), late.endAsync()]);
  });

  it('keeps relaying other topics while a subscriber has stopped reading', async () => {
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    const service = (clientId: string) => ({ clientId, ...config.service, reconnectPeriod: 0 });
    const stuck = buildTopic('telemetry', { deviceId: 'stuck' });
    const frozen = await connectMqttReady(url, { ...service('frozen'), keepalive: 0 });
    await frozen.subscribeAsync(stuck, { qos: 0 });
    const socket = frozen.stream as Socket;
    socket.unpipe();
    socket.pause();
    // Send it more than its socket and the kernel hold (24 MB), then leave more messages waiting
    // for its 'drain' than Aedes' default concurrency (100) has room for.
    const filler = await connectMqttReady(url, service('filler'));
    for (let i = 0; i < 400; i++) filler.publish(stuck, Buffer.alloc(60_000), { qos: 0 });
    await sleep(1_000);
    const waiting = await Promise.all(Array.from({ length: 120 }, (_, i) => connectMqttReady(url, service(`waiting-${i}`))));
    for (const client of waiting) client.publish(stuck, '{}', { qos: 0 });
    await sleep(200);

    const sub = await connectMqttReady(url, service('healthy'));
    await sub.subscribeAsync(topicFilter('ack'), { qos: 1 });
    const received = new Promise<string>((resolve) => sub.once('message', (topic) => resolve(topic)));
    const pub = await connectMqttReady(url, service('healthy-pub'));
    await pub.publishAsync(buildTopic('ack', { deviceId: 'd1' }), '{}', { qos: 1 });
    const topic = await Promise.race([received, sleep(5_000, 'not delivered')]);
    expect(topic).toBe(buildTopic('ack', { deviceId: 'd1' }));

    frozen.end(true);
    await Promise.all([filler, ...waiting, sub, pub].map((c) => c.endAsync(true)));
  }, 30_000);

  it('refuses a client without credentials in the CONNACK', async () => {
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    await expect(connectMqttReady(url, { clientId: 'anon', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
  });
});
