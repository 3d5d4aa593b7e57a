import { buildTopic, topicFilter } from '@canopy/core';
import { connectMqttReady, createLogger } from '@canopy/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from './broker.ts';

describe('broker', () => {
  let broker: Broker;
  const logger = createLogger({ name: 'test', level: 'silent' });

  beforeAll(async () => {
    broker = createBroker({ host: '127.0.0.1', mqttPort: 0, logLevel: 'silent' }, logger);
    await broker.start();
  });
  afterAll(() => broker.stop());

  it('relays QoS 1 telemetry and never delivers a retained command', async () => {
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    const sub = await connectMqttReady(url, { clientId: 'sub' });
    const pub = await connectMqttReady(url, { clientId: 'pub' });
    const received: string[] = [];
    sub.on('message', (topic) => received.push(topic));
    await sub.subscribeAsync([topicFilter('telemetry'), topicFilter('cmd')], { qos: 1 });

    // Refused under MQTT 3.1.1 means disconnected, so the offender gets its own client.
    const offender = await connectMqttReady(url, { clientId: 'offender', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => offender.once('close', () => resolve()));
    offender.publish(buildTopic('cmd', { deviceId: 'd1' }), '{}', { qos: 1, retain: true });
    await closed;
    offender.end(true);
    await pub.publishAsync(buildTopic('telemetry', { deviceId: 'd1' }), '{"m":{}}', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([buildTopic('telemetry', { deviceId: 'd1' })]);

    // A late subscriber finds no retained command either.
    const late = await connectMqttReady(url, { clientId: 'late' });
    const lateSeen: string[] = [];
    late.on('message', (topic) => lateSeen.push(topic));
    await late.subscribeAsync(topicFilter('cmd'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(lateSeen).toEqual([]);
    await Promise.all([sub.endAsync(), pub.endAsync(), late.endAsync()]);
  });
});
