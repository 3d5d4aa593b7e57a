/**
 * Ingest: an MQTT subscriber with a persistent session (QoS 1, `clean: false`, fixed client id),
 * so the broker queues for it while it is away. Each message is validated reading by reading,
 * journaled and fsynced, and only then acknowledged (deferredAcks.ts); the durable queue writes
 * it to the store in batches, spooling on disk while the store is down. A reading without a
 * device timestamp is stamped when it is parsed, just before it is journaled, so the stamp is
 * recorded with it and a replay keeps its identity. Several ingest processes can run side by
 * side, each with its own client id (and so its own journal).
 *
 * Accepted readings go to the live view as soon as they are validated, over a second
 * connection: the live view is a display, so it waits neither for the journal's fsync nor behind
 * the PUBACKs on the main connection. A reading shown and then lost in a crash before its fsync
 * was never acknowledged, so the broker delivers it again and it is stored then.
 */
import { parseTopic, topicFilter } from '@canopy/core';
import {
  connectMqtt,
  connectMqttReady,
  createRateLimitedLog,
  type DeviceDirectory,
  type Logger,
  NOT_CACHED,
  parseTelemetry,
  type RejectReason,
  type StoredReading,
  type TimeSeriesStore,
} from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import type { IngestConfig } from './config.ts';
import { type Ack, handleWithDeferredAcks, type IncomingMessage } from './deferredAcks.ts';
import { createDurableQueue, type QueueStatus } from './durableQueue.ts';
import { createIngestHttp, type Health } from './httpServer.ts';
import { createLivePublisher, type LivePublisher } from './livePublisher.ts';
import { createIngestMetrics } from './metrics.ts';
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
  stats(): Readonly<IngestStats> & QueueStatus & { buffered: number; paused: boolean };
  health(): Health;
  /** Port of the /metrics and /healthz listener; 0 when it is off. */
  httpPort(): number;
}

const STOP_DEADLINE_MS = 10_000;
/** After a handler failure the connection is restarted so the broker redelivers the message. */
const BOUNCE_MS = 1_000;

type Reading = { readonly metric: string; readonly ts: number; readonly value: number };

export function createIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { store, directory, logger } = deps;
  const now = deps.now ?? Date.now;
  const stats = createIngestStats();
  let paused = false;
  let stopping = false;
  const queue = createDurableQueue(
    store,
    {
      journal: { dir: config.journalDir, segmentBytes: config.segmentBytes, syncMs: config.journalSyncMs },
      maxSpoolBytes: config.maxSpoolBytes,
      writer: {
        batchSize: config.batchSize,
        flushMs: config.flushMs,
        concurrency: config.writeConcurrency,
        maxBuffered: config.maxBufferedReadings,
      },
    },
    stats,
    {
      written(entries, seconds) {
        metrics.writeSeconds.observe(seconds);
        const at = Date.now();
        for (const e of entries) {
          const first = e.readings[0];
          if (first) metrics.lagSeconds.observe(Math.max(0, at - first.ts) / 1_000);
        }
      },
      space: () => resume(),
    },
    logger,
  );
  const status = () => ({ ...queue.status(), paused });
  const metrics = createIngestMetrics(stats, status);
  const health = (): Health => {
    const s = status();
    const state = s.paused ? 'paused' : s.spooling || s.storeFailing ? 'degraded' : 'ok';
    return { status: state, ...s };
  };
  const http =
    config.httpPort > 0 ? createIngestHttp({ host: config.httpHost, port: config.httpPort }, metrics.registry, health) : undefined;
  const dropLog = createRateLimitedLog(logger, { intervalMs: 10_000 });
  let client: MqttClient | undefined;
  let liveClient: MqttClient | undefined;
  let live: LivePublisher | undefined;

  function reject(reason: RejectReason, topic: string, detail: string, count = 1): void {
    stats.rejected[reason] += count;
    dropLog.warn(reason, { reason, topic, detail }, 'telemetry dropped');
  }

  /**
   * Readings with the greenhouse the device was in at each reading's time, from the directory's
   * cache: synchronous, because a promise per lookup was a good part of ingest's CPU.
   */
  function assign(deviceId: string, readings: readonly Reading[], topic: string): StoredReading[] {
    // A message is nearly always one envelope, one timestamp: one lookup; a batch looks up each time once.
    let lastTs = Number.NaN;
    let greenhouse: string | undefined;
    let seen: Map<number, string | undefined> | undefined;
    const out: StoredReading[] = [];
    for (const r of readings) {
      if (r.ts !== lastTs) {
        if (!Number.isNaN(lastTs)) {
          seen ??= new Map();
          seen.set(lastTs, greenhouse);
        }
        lastTs = r.ts;
        const answer = seen?.has(r.ts) ? seen.get(r.ts) : directory.cachedGreenhouseOf(deviceId, r.ts);
        // onMessage found the device in the cache, with no await since: the cache cannot have lost it.
        if (answer === NOT_CACHED) throw new Error(`${deviceId} left the device directory's cache mid-message`);
        greenhouse = answer;
      }
      if (greenhouse === undefined) reject('unknown_device', topic, `${deviceId} unassigned at ${r.ts}`);
      else out.push({ device: deviceId, metric: r.metric, ts: r.ts, value: r.value, greenhouse });
    }
    return out;
  }

  async function onMessage({ topic, payload }: IncomingMessage, ack: Ack): Promise<void> {
    // Not acknowledged: the broker keeps it in our session and redelivers it after the reconnect.
    if (paused || stopping) return;
    if (queue.full()) return void pause();
    stats.messagesReceived += 1;
    // Every message, kept or not, is acknowledged through the journal so PUBACKs leave in order.
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'telemetry') {
      reject('bad_topic', topic, 'not a telemetry topic');
      return queue.append([], ack);
    }
    const { deviceId } = parsed.params;
    // No await (so no promise) unless the directory has to reload: the usual message runs through synchronously.
    let current = directory.cachedGreenhouseOf(deviceId);
    if (current === NOT_CACHED) current = await directory.greenhouseOf(deviceId);
    if (current === undefined) {
      reject('unknown_device', topic, deviceId);
      return queue.append([], ack);
    }
    const result = parseTelemetry(deviceId, payload, { now: now(), maxAgeMs: config.maxAgeMs, maxFutureMs: config.maxFutureMs });
    for (const r of result.rejections) reject(r.reason, topic, r.detail);
    const readings = assign(deviceId, result.readings, topic);
    stats.readingsAccepted += readings.length;
    publishLive(readings);
    queue.append(readings, ack);
  }

  function publishLive(readings: readonly StoredReading[]): void {
    if (readings.length === 0 || !live) return;
    const greenhouse = (readings[0] as StoredReading).greenhouse;
    if (readings.every((r) => r.greenhouse === greenhouse)) {
      live.add(greenhouse, readings);
      return;
    }
    // A batch spanning a reassignment.
    const byGreenhouse = new Map<string, StoredReading[]>();
    for (const r of readings) {
      const list = byGreenhouse.get(r.greenhouse);
      if (list) list.push(r);
      else byGreenhouse.set(r.greenhouse, [r]);
    }
    for (const [g, rs] of byGreenhouse) live.add(g, rs);
  }

  async function disconnect(): Promise<void> {
    // Acknowledge everything already journaled before leaving, or the broker would send it again.
    await queue.sync();
    await client?.endAsync();
  }

  async function pause(): Promise<void> {
    if (paused || stopping) return;
    paused = true;
    logger.error(
      { code: 'CANOPY_INGEST_SPOOL_FULL', spoolBytes: queue.status().spoolBytes, maxSpoolBytes: config.maxSpoolBytes },
      'spool at its cap: not taking messages until the store catches up (the broker holds them in our session)',
    );
    await disconnect();
  }

  function resume(): void {
    if (!paused || stopping) return;
    paused = false;
    logger.warn({ spoolBytes: queue.status().spoolBytes }, 'spool below its cap again: taking messages');
    client?.reconnect();
  }

  function bounce(err: unknown, topic: string): void {
    logger.error({ err, topic }, 'telemetry handler failed; reconnecting so the broker redelivers');
    if (paused || stopping) return;
    paused = true;
    void disconnect().then(() =>
      setTimeout(() => {
        paused = false;
        if (!stopping) client?.reconnect();
      }, BOUNCE_MS),
    );
  }

  return {
    async start() {
      await queue.start();
      await http?.start();
      // Connected before the subscription, so the first readings are not dropped. Stale live
      // readings are worthless after a reconnect: none are queued while it is down.
      const liveMqtt = await connectMqttReady(config.mqttUrl, {
        clientId: `${config.clientId}-live`,
        clean: true,
        queueQoSZero: false,
        ...config.mqttCredentials,
      });
      liveMqtt.on('error', (err) => logger.warn({ err: err.message }, 'MQTT error (live)'));
      liveClient = liveMqtt;
      live = createLivePublisher((topic, payload) => liveMqtt.publish(topic, payload, { qos: 0 }), config.liveIntervalMs);
      // The handler goes in before the first packet can arrive: a persistent session may deliver at once.
      const mqtt = connectMqtt(config.mqttUrl, { clientId: config.clientId, clean: false, ...config.mqttCredentials });
      handleWithDeferredAcks(mqtt, onMessage, bounce);
      mqtt.on('error', (err) => logger.warn({ err: err.message }, 'MQTT error'));
      try {
        await new Promise<void>((resolve, reject) => {
          mqtt.once('connect', () => resolve());
          mqtt.once('error', reject);
        });
        await mqtt.subscribeAsync(topicFilter('telemetry'), { qos: 1 });
      } catch (err) {
        mqtt.end(true);
        liveMqtt.end(true);
        liveClient = undefined;
        throw err;
      }
      // MQTT.js (3.1.1, clean: false) does not subscribe again on reconnect; a broker that lost the
      // session (in-memory persistence restarted) would then deliver nothing.
      mqtt.on('connect', (connack) => {
        if (connack.sessionPresent) return;
        mqtt.subscribeAsync(topicFilter('telemetry'), { qos: 1 }).then(
          () => logger.warn({ code: 'CANOPY_INGEST_SESSION_LOST' }, 'broker had lost the session: subscribed again'),
          (err: Error) => logger.error({ err: err.message }, 'subscribing again failed'),
        );
      });
      client = mqtt;
      logger.info({ mqtt: config.mqttUrl, journal: config.journalDir }, 'ingest subscribed');
    },
    async stop() {
      stopping = true;
      live?.stop();
      if (client) await disconnect();
      client = undefined;
      await liveClient?.endAsync();
      liveClient = undefined;
      await queue.stop(Date.now() + STOP_DEADLINE_MS);
      await http?.stop();
      const left = queue.status();
      if (left.bufferedReadings > 0 || left.spooling)
        logger.warn({ spoolBytes: left.spoolBytes }, 'store unavailable at shutdown; readings stay in the journal for the next start');
    },
    stats: () => {
      const s = status();
      return { ...stats, rejected: { ...stats.rejected }, dropped: { ...stats.dropped }, ...s, buffered: s.bufferedReadings };
    },
    health,
    httpPort: () => http?.port() ?? 0,
  };
}
