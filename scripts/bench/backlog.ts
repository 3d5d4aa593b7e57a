/**
 * The backlog benchmark. Scenario: ingest is down (a failed deploy, a dead VM) while every device
 * keeps reporting. The broker queues the readings in ingest's persistent session (`clean: false`,
 * QoS 1), as it would in production; then ingest starts and we time the drain until every queued
 * message is in InfluxDB, counted there. Devices report every `intervalS` with timestamps spread
 * over the past `hours` (in time order, each device at its own offset within the interval), so
 * the store sees what a real outage would leave. The queue is filled faster than real time: the
 * fill is not what is measured. Broker persistence is the product's default, `sqlite`, which keeps
 * at most MQTT_QUEUE_MEMORY_MESSAGES of the queue in memory; `memory` holds all of it there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTopic, topicFilter } from '@canopy/core';
import { connectMqttReady, type MqttCredentials } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { makeTempDir } from '../../tests/helpers/tmp.ts';
import {
  fmt,
  loadAverage,
  type ProcessFigures,
  READINGS_PER_MESSAGE,
  SERVICE_MQTT,
  type Service,
  sampleProcess,
  seedDevices,
  startBroker,
  startIngest,
  stopAll,
  storedMessages,
  telemetryBody,
  waitWritten,
} from './benchKit.ts';

export interface BacklogOptions {
  readonly influxUrl: string;
  readonly devices: number;
  readonly intervalS: number;
  readonly hours: number;
  /** The broker's MQTT_PERSISTENCE. */
  readonly persistence: 'sqlite' | 'memory';
  /** Longest the drain may take before the run is cut (and reported as such). */
  readonly drainTimeoutMs?: number;
}

export interface BacklogResult {
  readonly options: Omit<BacklogOptions, 'influxUrl'>;
  readonly loadAverage: string;
  readonly queued: number;
  readonly acked: number;
  readonly fillS: number;
  readonly stored: number;
  readonly lost: number;
  /** Ingest process start → the last message counted in InfluxDB. */
  readonly drainS: number;
  /** Ingest process start → its first message received (within drainS). */
  readonly startupS: number;
  /** Stored messages over first received → last stored. */
  readonly drainMsgsPerS: number;
  readonly drainReadingsPerS: number;
  /** Drain time of the target's 2.16M messages at this rate, when the run was smaller. */
  readonly extrapolatedTargetS?: number;
  readonly brokerAfterFillRssMb: number;
  readonly broker?: ProcessFigures;
  readonly ingest?: ProcessFigures;
  readonly timedOut: boolean;
}

const TARGET_MESSAGES = 2_160_000;
const TARGET_S = 600;
const CLIENT_ID = 'bench-backlog';
const OUTSTANDING = 2_000;

/** Publishes `steps` readings per device, time-major, QoS 1, with at most OUTSTANDING unacknowledged. */
async function fill(mqttUrl: string, devices: readonly MqttCredentials[], steps: number, firstTs: number, intervalMs: number) {
  const clients: MqttClient[] = [];
  try {
    for (let i = 0; i < devices.length; i += 50) {
      const batch = devices.slice(i, i + 50).map((d) => connectMqttReady(mqttUrl, { ...d, clean: true, reconnectPeriod: 0 }));
      clients.push(...(await Promise.all(batch)));
    }
    for (const c of clients) c.on('error', () => {});
    let outstanding = 0;
    let acked = 0;
    let wake: (() => void) | undefined;
    const onAck = (err?: Error) => {
      outstanding -= 1;
      if (!err) acked += 1;
      if (outstanding < OUTSTANDING / 2) wake?.();
    };
    let n = 0;
    for (let step = 0; step < steps; step++) {
      for (let d = 0; d < clients.length; d++) {
        const client = clients[d];
        const device = devices[d];
        if (!client || !device) continue;
        const ts = firstTs + step * intervalMs + Math.floor((d * intervalMs) / clients.length);
        outstanding += 1;
        client.publish(buildTopic('telemetry', { deviceId: device.clientId }), telemetryBody(ts, n++), { qos: 1 }, onAck);
        if (outstanding >= OUTSTANDING)
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    }
    const deadline = Date.now() + 60_000;
    while (outstanding > 0 && Date.now() < deadline) await sleep(50);
    return { published: n, acked };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  }
}

export async function benchBacklog(options: BacklogOptions): Promise<BacklogResult> {
  const dir = await makeTempDir('bench-backlog');
  const services: Array<Service | undefined> = [];
  try {
    const { credentials } = await seedDevices(dir.path, options.devices);
    const intervalMs = options.intervalS * 1_000;
    const steps = Math.round((options.hours * 3_600_000) / intervalMs);
    const queuedTarget = steps * credentials.length;
    // A big in-memory queue (`memory`) outgrows Node's default heap.
    const broker = await startBroker(dir.path, 'broker', {
      MQTT_PERSISTENCE: options.persistence,
      NODE_OPTIONS: '--max-old-space-size=12288',
    });
    services.push(broker);
    const brokerCpu = sampleProcess(broker.process.pid(), 1_000);

    // Ingest's persistent session, as ingest leaves it when it goes down.
    const session = await connectMqttReady(broker.url, { clientId: CLIENT_ID, clean: false, ...SERVICE_MQTT });
    await session.subscribeAsync(topicFilter('telemetry'), { qos: 1 });
    await session.endAsync();

    const fillStart = Date.now();
    const firstTs = fillStart - steps * intervalMs;
    const filled = await fill(broker.url, credentials, steps, firstTs, intervalMs);
    const fillS = (Date.now() - fillStart) / 1_000;
    const brokerAfterFillRssMb = brokerCpu.maxRssMb();
    if (filled.published !== queuedTarget) throw new Error(`published ${filled.published} of ${queuedTarget}`);

    const database = 'bench_backlog';
    const drainStart = Date.now();
    const ingest = await startIngest(dir.path, 'ingest', {
      mqttUrl: broker.url,
      influxUrl: options.influxUrl,
      database,
      clientId: CLIENT_ID,
    });
    services.push(ingest);
    const ingestCpu = sampleProcess(ingest.process.pid(), 1_000);
    const expectedReadings = filled.acked * READINGS_PER_MESSAGE;
    const timeoutMs = options.drainTimeoutMs ?? Math.max(120_000, (filled.acked / 500) * 1_000);
    // Ingest's own count of written readings says when to look; InfluxDB's count is the figure.
    const { firstReceivedAt, timedOut } = await waitWritten(ingest.url, expectedReadings, {
      everyMs: 250,
      quietMs: 60_000,
      deadline: drainStart + timeoutMs,
    });
    const drainEnd = Date.now();
    const ingestFigures = ingestCpu.stop();
    const brokerFigures = brokerCpu.stop();
    const stored = await storedMessages(options.influxUrl, database);
    const drainS = (drainEnd - drainStart) / 1_000;
    const startupS = ((firstReceivedAt ?? drainStart) - drainStart) / 1_000;
    // The rate once messages flow; start-up is a fixed cost, added back in the extrapolation.
    const drainMsgsPerS = stored / Math.max(0.001, drainS - startupS);
    const { influxUrl: _, ...shown } = options;
    return {
      options: shown,
      loadAverage: loadAverage(),
      queued: filled.published,
      acked: filled.acked,
      fillS: Number(fillS.toFixed(1)),
      stored,
      lost: filled.acked - stored,
      drainS: Number(drainS.toFixed(1)),
      startupS: Number(startupS.toFixed(1)),
      drainMsgsPerS: Math.round(drainMsgsPerS),
      drainReadingsPerS: Math.round(drainMsgsPerS * READINGS_PER_MESSAGE),
      ...(filled.published < TARGET_MESSAGES && drainMsgsPerS > 0
        ? { extrapolatedTargetS: Math.round(startupS + TARGET_MESSAGES / drainMsgsPerS) }
        : {}),
      brokerAfterFillRssMb,
      ...(brokerFigures ? { broker: brokerFigures } : {}),
      ...(ingestFigures ? { ingest: ingestFigures } : {}),
      timedOut,
    };
  } finally {
    await stopAll(services);
    await dir.remove();
  }
}

export function backlogTable(r: BacklogResult): string[] {
  const o = r.options;
  const drainTime = r.extrapolatedTargetS ?? r.drainS;
  return [
    `## Backlog (${fmt(o.devices)} devices every ${o.intervalS} s for ${fmt(o.hours, 2)} h, queued in ingest's session while ingest is down; broker persistence ${o.persistence})`,
    '',
    `Load average at the end: ${r.loadAverage}. Drain = ingest process start → the last message counted in InfluxDB (start-up = process start → first message received); msg/s is over the time messages flowed.`,
    '',
    '| queued | acked | fill (s) | stored | lost | drain (s) | of which start-up (s) | drain msg/s | readings/s | broker RSS after fill / peak | ingest CPU / RSS |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    `| ${fmt(r.queued)} | ${fmt(r.acked)} | ${r.fillS} | ${fmt(r.stored)} | ${r.lost} | ${r.drainS}${r.timedOut ? ' (cut)' : ''} | ${r.startupS} | ${fmt(r.drainMsgsPerS)} | ${fmt(r.drainReadingsPerS)} | ${r.brokerAfterFillRssMb} / ${r.broker?.maxRssMb ?? '-'} MB | ${r.ingest ? `${r.ingest.cpuPct}% / ${r.ingest.maxRssMb} MB` : '-'} |`,
    '',
    '| ratio / target | value |',
    '| --- | ---: |',
    r.extrapolatedTargetS === undefined
      ? `| 2.16M messages drained in ≤ 600 s | ${r.drainS <= TARGET_S && r.lost === 0 && !r.timedOut ? 'met' : '**not met**'} (${r.drainS} s) |`
      : `| 2.16M messages at this rate (**extrapolated** from ${fmt(r.queued)}) | ${fmt(r.extrapolatedTargetS)} s: ${r.extrapolatedTargetS <= TARGET_S ? 'within' : '**beyond**'} 600 s |`,
    `| drain time ÷ 600 s target | ${(drainTime / TARGET_S).toFixed(2)} |`,
    `| lost = 0 | ${r.lost === 0 ? 'met' : `**not met** (${r.lost})`} |`,
  ];
}
