/**
 * MQTT.js clients for the services and the simulator. MQTT.js opens plain TCP without
 * TCP_NODELAY, and Nagle plus delayed ACK adds ~30 ms to p99 on loopback, so the stream is built here.
 */
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type IClientOptions, MqttClient } from 'mqtt';

export type MqttOptions = Omit<IClientOptions, 'host' | 'port' | 'protocol'>;

export function connectMqtt(url: string, options: MqttOptions): MqttClient {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'mqtts:';
  const host = parsed.hostname;
  const port = parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port);
  const build = () => {
    const socket = secure ? tlsConnect({ host, port, servername: host }) : createConnection({ host, port });
    socket.setNoDelay(true);
    return socket;
  };
  return new MqttClient(build, {
    protocolVersion: 4,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    ...options,
    host,
    port,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : {}),
  });
}

/** Connects and resolves once the broker accepted; a refused or failed first connection rejects. */
export async function connectMqttReady(url: string, options: MqttOptions): Promise<MqttClient> {
  const client = connectMqtt(url, options);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return client;
}
