/** The MQTTS listener, with a self-signed certificate made by openssl for the test. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Broker, type BrokerConfig, createBroker, loadConfig } from '@canopy/broker';
import { buildTopic } from '@canopy/core';
import { createLogger } from '@canopy/core/node';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authArgs, mosquitto } from '../helpers/mosquitto.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';

describe('broker over TLS', () => {
  let dir: TempDir;
  let cert: string;
  let key: string;
  let broker: Broker;
  let config: BrokerConfig;

  beforeAll(async () => {
    dir = await makeTempDir('tls');
    cert = join(dir.path, 'cert.pem');
    key = join(dir.path, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    config = loadConfig({
      DATA_DIR: dir.path,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_TLS_PORT: '0',
      MQTT_TLS_CERT: cert,
      MQTT_TLS_KEY: key,
    });
    broker = createBroker(config, createLogger({ name: 'test', level: 'silent' }));
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    await dir?.remove();
  });

  it('accepts authenticated clients over MQTTS (MQTT.js and mosquitto_pub) and refuses anonymous ones', async () => {
    const url = `mqtts://127.0.0.1:${broker.tlsPort()}`;
    const ca = readFileSync(cert);
    const sub = await connectAsync(url, { ca, clientId: 'tls-sub', ...config.service, protocolVersion: 4, reconnectPeriod: 0 });
    const received = new Promise<string>((resolve) => sub.on('message', (_t, payload) => resolve(payload.toString())));
    await sub.subscribeAsync(buildTopic('ack', { deviceId: 'tls' }), { qos: 1 });

    const payloadFile = join(dir.path, 'payload.txt');
    writeFileSync(payloadFile, 'over tls');
    const run = await mosquitto('mosquitto_pub', [
      ...authArgs({ port: broker.tlsPort() ?? 0, clientId: 'tls-pub', ...config.service }),
      '--cafile',
      cert,
      '-q',
      '1',
      '-t',
      buildTopic('ack', { deviceId: 'tls' }),
      '-f',
      payloadFile,
    ]);
    expect(run).toMatchObject({ code: 0 });
    expect(await received).toBe('over tls');

    await expect(connectAsync(url, { ca, clientId: 'anon', protocolVersion: 4, reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    await sub.endAsync();
  });
});
