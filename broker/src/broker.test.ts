import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('refuses a client without credentials in the CONNACK', async () => {
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    await expect(connectMqttReady(url, { clientId: 'anon', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
  });
});
