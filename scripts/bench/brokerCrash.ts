/**
 * The broker's loss window, per persistence (`MQTT_PERSISTENCE`): what a broker acknowledged to
 * devices and then lost when it was killed.
 *
 * Crash run: a `clean: false` subscriber (a stand-in for ingest) subscribes to all telemetry and
 * goes away, so everything the devices publish must be kept in its session by the broker. Devices
 * publish QoS 1 at a steady rate; the broker process is SIGKILLed in the middle of it, restarted
 * on the same DATA_DIR (or Redis), and the subscriber comes back for its queue. Every message
 * whose PUBACK a device received before the kill must be delivered; *lost* are those that are
 * not, and *window* is how long before the kill the earliest of them was acknowledged.
 *
 * Throughput run: the same subscriber connected, devices publishing at the offered rate; the
 * relay rate per persistence and its ratio to `memory`, the cost of durability.
 *
 * Power loss cannot be caused from a process (the kernel keeps unsynced pages when a process
 * dies); it is bounded by the fsync policy instead: a change waits at most
 * `MQTT_PERSISTENCE_SYNC_MS` for its fsync, which takes the fsync latency measured here on DATA_DIR.
 */
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicFilter } from '@canopy/core';
import { connectMqtt, connectMqttReady, type MqttCredentials } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { type RedisServer, startRedis } from '../../tests/helpers/redis.ts';
import { loadAverage, runLoad, SERVICE_MQTT, type Service, seedDevices, startBroker, waitForPort } from './benchKit.ts';

export type CrashPersistence = 'memory' | 'sqlite' | 'redis' | 'level';

export interface BrokerCrashOptions {
  /** Default: all four (redis only if /usr/bin/redis-server exists). */
  readonly persistences?: readonly CrashPersistence[];
  readonly devices?: number;
  /** Offered messages/s during the crash runs. */
  readonly ratePerS?: number;
  /** Offered messages/s during the throughput runs: above what the broker relays, to find its ceiling. */
  readonly relayRatePerS?: number;
  /** SIGKILLs per persistence (each on a fresh broker). */
  readonly kills?: number;
  /** Publishing before the kill, and the length of a throughput run. */
  readonly loadMs?: number;
  /** `sqlite`: MQTT_PERSISTENCE_SYNC_MS. */
  readonly syncMs?: number;
}

export interface CrashKill {
  /** Acknowledged to devices before the kill. */
  readonly acked: number;
  readonly delivered: number;
  readonly lost: number;
  /** Kill time − ack time of the earliest lost message (0 when nothing was lost). */
  readonly windowMs: number;
}

export interface CrashResult {
  readonly persistence: CrashPersistence;
  readonly kills: readonly CrashKill[];
  /** Relay with a connected clean:false subscriber: delivered messages/s (first publish → last delivery). */
  readonly relayMsgsPerS: number;
  readonly relayDelivered: number;
  /** Acknowledged to the load generator's devices. */
  readonly relayPublished: number;
}

export interface BrokerCrashResult {
  readonly ratePerS: number;
  readonly relayRatePerS: number;
  readonly devices: number;
  readonly syncMs: number;
  readonly fsyncP50Ms: number;
  readonly fsyncP99Ms: number;
  readonly loadAverage: string;
  readonly results: readonly CrashResult[];
}

const SINK_ID = 'crash-sink';

interface Published {
  readonly key: string;
  ackAt?: number;
}

async function connectDevices(url: string, credentials: readonly MqttCredentials[]): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (const c of credentials) {
    const client = await connectMqttReady(url, { ...c, clean: true, reconnectPeriod: 0 });
    client.on('error', () => {});
    clients.push(client);
  }
  return clients;
}

/** Publishes at `ratePerS` over the devices in 10 ms ticks until `stop()`; records each PUBACK's time. */
function publishSteadily(clients: readonly MqttClient[], credentials: readonly MqttCredentials[], ratePerS: number) {
  const sent: Published[] = [];
  let n = 0;
  const perTick = Math.max(1, Math.round(ratePerS / 100));
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      const d = n % clients.length;
      const client = clients[d];
      const device = credentials[d]?.clientId ?? '';
      n += 1;
      const p: Published = { key: `${device}/${n}` };
      sent.push(p);
      client?.publish(
        `canopy/v1/devices/${device}/telemetry`,
        JSON.stringify({ ts: Date.now(), seq: n, m: { air_temp_c: 25, rh_pct: 60, co2_ppm: 600, ph: 6.1 } }),
        { qos: 1 },
        (err) => {
          if (!err) p.ackAt = Date.now();
        },
      );
    }
  }, 10);
  return { sent, stop: () => clearInterval(timer) };
}

async function connectSink(url: string, onMessage: (key: string) => void): Promise<MqttClient> {
  const sink = connectMqtt(url, { ...SERVICE_MQTT, clientId: SINK_ID, clean: false, reconnectPeriod: 0 });
  // Before the CONNACK: the queued messages follow it in the same read.
  sink.on('message', (topic, payload) => {
    const device = topic.split('/')[3];
    const seq = (JSON.parse(payload.toString()) as { seq: number }).seq;
    onMessage(`${device}/${seq}`);
  });
  await new Promise<void>((resolve, reject) => {
    sink.once('connect', () => resolve());
    sink.once('error', reject);
  });
  return sink;
}

/** Resolves once no new message has arrived for `quietMs` (or after `maxMs`). */
async function untilQuiet(count: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await sleep(100);
  }
}

function fsyncLatency(dir: string, rounds = 200): { p50: number; p99: number } {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(8_192, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      writeSync(fd, block);
      const t = performance.now();
      fsyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => Math.round((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0) * 100) / 100;
  return { p50: q(0.5), p99: q(0.99) };
}

export async function benchBrokerCrash(options: BrokerCrashOptions = {}): Promise<BrokerCrashResult> {
  const persistences =
    options.persistences ??
    (['memory', 'sqlite', 'redis', 'level'] as const).filter((p) => p !== 'redis' || existsSync('/usr/bin/redis-server'));
  const devices = options.devices ?? 30;
  const ratePerS = options.ratePerS ?? 2_000;
  const relayRatePerS = options.relayRatePerS ?? 10_000;
  const kills = options.kills ?? 3;
  const loadMs = options.loadMs ?? 3_000;
  const syncMs = options.syncMs ?? 50;
  const results: CrashResult[] = [];
  const probeDir = mkdtempSync(join(tmpdir(), 'canopy-fsync-'));
  const fsync = fsyncLatency(probeDir);
  rmSync(probeDir, { recursive: true, force: true });

  for (const persistence of persistences) {
    const crashKills: CrashKill[] = [];
    for (let k = 0; k < kills + 1; k++) {
      // k < kills: a crash run; the last round is the throughput run.
      const throughput = k === kills;
      const dataDir = mkdtempSync(join(tmpdir(), `canopy-crash-${persistence}-`));
      let redis: RedisServer | undefined;
      let broker: Service | undefined;
      const clients: MqttClient[] = [];
      try {
        if (persistence === 'redis') redis = await startRedis();
        const { credentials } = await seedDevices(dataDir, devices);
        const env = {
          MQTT_PERSISTENCE: persistence,
          MQTT_PERSISTENCE_SYNC_MS: String(syncMs),
          ...(redis ? { REDIS_URL: redis.url } : {}),
        };
        broker = await startBroker(dataDir, `broker-${k}`, env);
        const delivered = new Set<string>();
        let received = 0;
        let lastDeliveryAt = 0;
        const sink = await connectSink(broker.url, (key) => {
          delivered.add(key);
          received += 1;
          lastDeliveryAt = Date.now();
        });
        await sink.subscribeAsync(topicFilter('telemetry'), { qos: 1 });
        if (throughput) {
          // The load generator in its own process (as the pipeline benchmark), the sink here.
          const run = await runLoad({ mqttUrl: broker.url, devices: credentials, ratePerS: relayRatePerS, durationMs: loadMs });
          await untilQuiet(() => received, 2_000, 60_000);
          results.push({
            persistence,
            kills: crashKills,
            relayMsgsPerS: Math.round(received / ((lastDeliveryAt - run.firstPublishAt) / 1_000)),
            relayDelivered: received,
            relayPublished: run.acked,
          });
          await sink.endAsync(true);
          continue;
        }
        await sink.endAsync();
        clients.push(...(await connectDevices(broker.url, credentials)));
        const load = publishSteadily(clients, credentials, ratePerS);
        await sleep(loadMs);
        const killAt = Date.now();
        await broker.process.kill('SIGKILL');
        load.stop();
        for (const c of clients.splice(0)) c.end(true);
        broker.process.start();
        await waitForPort(broker.port);
        const again = await connectSink(broker.url, (key) => delivered.add(key));
        await untilQuiet(() => delivered.size, 2_000, 60_000);
        await again.endAsync(true);
        // Every PUBACK a device got came from the killed broker (devices are gone before the restart).
        const acked = load.sent.filter((p) => p.ackAt !== undefined);
        const lost = acked.filter((p) => !delivered.has(p.key));
        const earliest = Math.min(...lost.map((p) => p.ackAt ?? killAt));

        crashKills.push({
          acked: acked.length,
          delivered: acked.length - lost.length,
          lost: lost.length,
          windowMs: lost.length === 0 ? 0 : Math.max(0, killAt - earliest),
        });
      } finally {
        for (const c of clients) c.end(true);
        await broker?.process.kill('SIGTERM');
        await redis?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  return { ratePerS, relayRatePerS, devices, syncMs, fsyncP50Ms: fsync.p50, fsyncP99Ms: fsync.p99, loadAverage: loadAverage(), results };
}

export function brokerCrashTable(r: BrokerCrashResult): string[] {
  const memory = r.results.find((x) => x.persistence === 'memory')?.relayMsgsPerS;
  return [
    `## Broker durability: SIGKILL under load (${r.devices} devices, QoS 1, offered ${r.ratePerS.toLocaleString('en')} msg/s)`,
    '',
    `A \`clean: false\` subscriber is away, so the broker must keep every message; the broker is SIGKILLed mid-load and restarted. Load average ${r.loadAverage}.`,
    '',
    `| persistence | kills | acknowledged | lost | loss window (ms) | relay msg/s (subscriber connected, ${r.relayRatePerS.toLocaleString('en')} offered) | × memory |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.results.map((x) => {
      const acked = x.kills.reduce((s, k) => s + k.acked, 0);
      const lost = x.kills.reduce((s, k) => s + k.lost, 0);
      const window = Math.max(0, ...x.kills.map((k) => k.windowMs));
      const ratio = memory ? (x.relayMsgsPerS / memory).toFixed(2) : '-';
      return `| ${x.persistence} | ${x.kills.length} | ${acked.toLocaleString('en')} | ${lost.toLocaleString('en')} | ${lost === 0 ? '-' : window < 1 ? '< 1' : window.toLocaleString('en')} | ${x.relayMsgsPerS.toLocaleString('en')} | ${ratio} |`;
    }),
    '',
    `Power loss: \`sqlite\` (and the publish journal of \`sqlite\` and \`redis\`) fsyncs the WAL every ${r.syncMs} ms (\`MQTT_PERSISTENCE_SYNC_MS\`); an fsync of DATA_DIR took ${r.fsyncP50Ms} ms p50 / ${r.fsyncP99Ms} ms p99 here, so a power cut loses at most the last ~${r.syncMs + Math.ceil(r.fsyncP99Ms)} ms of acknowledged messages.`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const result = await benchBrokerCrash(quick ? { kills: 1, loadMs: 2_000 } : {});
  console.log(brokerCrashTable(result).join('\n'));
  console.log(JSON.stringify(result));
}
