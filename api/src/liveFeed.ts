/**
 * The API's view of live traffic: accepted readings fanned out by ingest and the retained
 * device status topics. Each API node subscribes on its own, so any number can run.
 */

import { LiveMessage, parseTopic, StatusPayload, topicFilter } from '@canopy/core';
import { connectMqttReady, type DeviceDirectory, EventBus, type Logger } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { Compile } from 'typebox/compile';

export interface DeviceStatus {
  readonly greenhouse: string;
  readonly device: string;
  readonly state: 'online' | 'offline';
  readonly ts: number;
}

export interface LiveEvents {
  [event: string]: unknown;
  readings: LiveMessage;
  status: DeviceStatus;
}

export interface LiveFeed {
  readonly bus: EventBus<LiveEvents>;
  statusOf(deviceId: string): DeviceStatus | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const checkLive = Compile(LiveMessage);
const checkStatus = Compile(StatusPayload);

export function createLiveFeed(
  options: { mqttUrl: string; clientId: string; credentials?: { username: string; password: string } },
  directory: DeviceDirectory,
  logger: Logger,
): LiveFeed {
  const bus = new EventBus<LiveEvents>();
  const statuses = new Map<string, DeviceStatus>();
  let client: MqttClient | undefined;

  async function onMessage(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic);
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (parsed?.kind === 'live' && checkLive.Check(body) && body.greenhouse === parsed.params.greenhouseId) {
      bus.emit('readings', body);
    } else if (parsed?.kind === 'status' && checkStatus.Check(body)) {
      const device = parsed.params.deviceId;
      const greenhouse = await directory.greenhouseOf(device);
      if (greenhouse === undefined) return;
      const status: DeviceStatus = { greenhouse, device, state: body.state, ts: Date.now() };
      statuses.set(device, status);
      bus.emit('status', status);
    }
  }

  return {
    bus,
    statusOf: (deviceId) => statuses.get(deviceId),
    async start() {
      const mqtt = await connectMqttReady(options.mqttUrl, { clientId: options.clientId, clean: true, ...options.credentials });
      mqtt.on('message', (topic, payload) => {
        onMessage(topic, payload).catch((err: unknown) => logger.error({ err, topic }, 'live feed handler failed'));
      });
      mqtt.on('error', (err) => logger.warn({ err: err.message }, 'MQTT error'));
      await mqtt.subscribeAsync([topicFilter('live'), topicFilter('status')], { qos: 0 });
      client = mqtt;
    },
    async stop() {
      const mqtt = client;
      client = undefined;
      if (mqtt) await mqtt.endAsync();
    },
  };
}
