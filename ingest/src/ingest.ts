/**
 * Ingest: an ordinary MQTT subscriber. It validates telemetry reading by reading, derives
 * agronomy metrics, writes in batches through the TimeSeriesStore and fans accepted readings
 * out for live views. Several ingest processes can run side by side.
 */
import { parseTopic, topicFilter } from '@canopy/core';
import {
  connectMqttReady,
  createRateLimitedLog,
  type DeviceDirectory,
  type Logger,
  parseTelemetry,
  type RejectReason,
  type TimeSeriesStore,
} from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { createBatchWriter } from './batchWriter.ts';
import type { IngestConfig } from './config.ts';
import { createLivePublisher } from './livePublisher.ts';
import { createIngestStats, type IngestStats } from './stats.ts';

export interface IngestDeps {
  readonly store: TimeSeriesStore;
  readonly directory: DeviceDirectory;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): Readonly<IngestStats> & { buffered: number };
}

const STOP_DEADLINE_MS = 10_000;

export function createIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { store, directory, logger } = deps;
  const now = deps.now ?? Date.now;
  const stats = createIngestStats();
  const writer = createBatchWriter(
    store,
    { batchSize: config.batchSize, flushMs: config.flushMs, maxBuffered: config.maxBufferedReadings },
    stats,
    logger,
  );
  const dropLog = createRateLimitedLog(logger, { intervalMs: 10_000 });
  let client: MqttClient | undefined;
  let live: ReturnType<typeof createLivePublisher> | undefined;

  function reject(reason: RejectReason | 'buffer_full', topic: string, detail: string, count = 1): void {
    stats.rejected[reason] += count;
    dropLog.warn(reason, { reason, topic, detail }, 'telemetry dropped');
  }

  async function onMessage(topic: string, payload: Buffer): Promise<void> {
    stats.messagesReceived += 1;
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'telemetry') return reject('bad_topic', topic, 'not a telemetry topic');
    const { deviceId } = parsed.params;
    const greenhouse = await directory.greenhouseOf(deviceId);
    if (greenhouse === undefined) return reject('unknown_device', topic, deviceId);
    const result = parseTelemetry(deviceId, payload, { now: now(), maxAgeMs: config.maxAgeMs, maxFutureMs: config.maxFutureMs });
    for (const r of result.rejections) reject(r.reason, topic, r.detail);
    if (result.readings.length === 0) return;
    const readings = result.readings.map((r) => ({ ...r, greenhouse }));
    if (!writer.add(readings)) return reject('buffer_full', topic, `${writer.buffered()} readings buffered`, readings.length);
    stats.readingsAccepted += readings.length;
    live?.add(greenhouse, readings);
  }

  return {
    async start() {
      const mqtt = await connectMqttReady(config.mqttUrl, { clientId: config.clientId, clean: true });
      mqtt.on('message', (topic, payload) => {
        onMessage(topic, payload).catch((err: unknown) => logger.error({ err, topic }, 'telemetry handler failed'));
      });
      mqtt.on('error', (err) => logger.warn({ err: err.message }, 'MQTT error'));
      await mqtt.subscribeAsync(topicFilter('telemetry'), { qos: 1 });
      client = mqtt;
      live = createLivePublisher(mqtt, config.liveIntervalMs);
      live.start();
      logger.info({ mqtt: config.mqttUrl }, 'ingest subscribed');
    },
    async stop() {
      const mqtt = client;
      client = undefined;
      live?.stop();
      if (mqtt) await mqtt.endAsync();
      await writer.drain(Date.now() + STOP_DEADLINE_MS);
      writer.stop();
      if (writer.buffered() > 0) logger.error({ lost: writer.buffered() }, 'store unavailable at shutdown; readings not written');
    },
    stats: () => ({ ...stats, rejected: { ...stats.rejected }, buffered: writer.buffered() }),
  };
}
