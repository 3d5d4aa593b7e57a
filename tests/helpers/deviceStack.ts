/**
 * The set-up shared by the device tests: a stack over the embedded store, a coop manager's
 * session, provisioning over the API, and the MQTT clients the test opened (closed on stop).
 */
import type { MqttCredentials } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { type Client, login, type Stack, startStack } from './stack.ts';

/** What `POST /api/devices` answers. */
export interface Issued {
  id: string;
  mqtt: MqttCredentials;
}

export interface DeviceStack {
  stack: Stack;
  manager: Client;
  /** The broker's MQTT port, for Debian's mosquitto clients. */
  port: number;
  /** Clients to end when the stack stops. */
  clients: MqttClient[];
  /** Provisions as the manager and expects 201. */
  provision(body: Record<string, unknown>): Promise<Issued>;
  stop(): Promise<void>;
}

export function postJson(client: Client, path: string, body?: unknown): Promise<Response> {
  return client.fetch(path, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

export async function startDeviceStack(): Promise<DeviceStack> {
  const stack = await startStack({ store: 'sqlite' });
  const manager = await login(stack.httpUrl, 'manager');
  const clients: MqttClient[] = [];
  return {
    stack,
    manager,
    port: Number(new URL(stack.mqttUrl).port),
    clients,
    async provision(body) {
      const res = await postJson(manager, '/api/devices', body);
      expect(res.status).toBe(201);
      return (await res.json()) as Issued;
    },
    async stop() {
      for (const c of clients) c.end(true);
      await stack.stop();
    },
  };
}
