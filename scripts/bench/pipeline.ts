/**
 * The pipeline benchmark: devices → broker → ingest → InfluxDB, each in its own process, at a
 * set QoS 1 rate. Counts what was published and acknowledged, and what the store holds (by
 * querying it), so lost = published − stored is measured, not assumed. Publish → stored
 * latency comes from ingest's lag histogram (the device timestamp is the publish time), CPU and
 * RSS from /proc. Anchors run the same load in the same run: the bare broker relaying to one
 * subscriber, and Debian's Mosquitto in place of the broker; on request, plain Aedes relaying.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../tests/helpers/serviceProcess.ts';
import { makeTempDir } from '../../tests/helpers/tmp.ts';
import {
  childInfluxd,
  histogramQuantile,
  loadStartAt,
  metricValue,
  type ProcessFigures,
  READINGS_PER_MESSAGE,
  runLoad,
  SERVICE,
  sampleProcess,
  scrape,
  seedDevices,
  startIngest,
  startBroker as startServiceBroker,
  storedMessages,
  waitForPort,
  waitWritten,
} from './benchKit.ts';
import type { LoadResult } from './loadgen.ts';

export type PipelineRun =
  | 'memory'
  | 'sqlite'
  | 'relay-memory'
  | 'relay-sqlite'
  | 'relay-aedes'
  | 'relay-aedes-unbounded'
  | 'mosquitto'
  | 'relay-mosquitto';

export interface PipelineOptions {
  readonly influxUrl: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly devices: number;
  /** Which runs, in this order (default: the five of the full table, without relay-mosquitto and relay-aedes*). */
  readonly runs?: readonly PipelineRun[];
  /** Load generator processes, each publishing for its share of the devices (default 1). */
  readonly loadgenProcesses?: number;
  /** Writes V8 CPU profiles of the broker and ingest processes here (`--cpu-prof`). */
  readonly profileDir?: string;
  /** Pid of the store's server, for its CPU figures. */
  readonly influxPid?: number;
}

export interface PipelineResult {
  readonly name: string;
  readonly offeredPerS: number;
  readonly published: number;
  readonly acked: number;
  /** Messages in the store (pipeline) or relayed to the subscriber (bare broker). */
  readonly delivered: number;
  readonly lost: number;
  /** Delivered messages over first publish → last delivery. */
  readonly msgsPerS: number;
  /** 10 readings a message: 8 sent, 2 derived. */
  readonly readingsPerS: number;
  /**
   * Messages stored per second while the load runs, from STEADY_AFTER_MS after its start to its
   * end (ingest's count of written readings). Whole-run msg/s includes what happens after the load
   * ends: the last batch's flush and write, which keep it a little under the offered rate even for
   * a pipeline that keeps up, and, in overload, a drain with the machine to itself, which flatters it.
   */
  readonly steadyMsgsPerS?: number;
  readonly storedP50Ms?: number;
  readonly storedP99Ms?: number;
  readonly broker?: ProcessFigures;
  readonly ingest?: ProcessFigures;
  /** The load generator processes together (CPU only). */
  readonly loadgen?: ProcessFigures;
  readonly influxd?: ProcessFigures;
}

const MOSQUITTO = '/usr/sbin/mosquitto';
/** The steady-rate window starts this long after the load, past connection set-up and JIT warm-up. */
const STEADY_AFTER_MS = 5_000;

/** Ingest's count of written readings at an instant (a /metrics read then); undefined if ingest did not answer. */
async function writtenAt(ingestUrl: string, at: number): Promise<{ at: number; readings: number } | undefined> {
  await sleep(Math.max(0, at - Date.now()));
  const page = await scrape(ingestUrl).catch(() => undefined);
  return page === undefined ? undefined : { at: Date.now(), readings: metricValue(page, 'canopy_ingest_readings_written_total') };
}
const ROOT = join(import.meta.dirname, '../..');

/**
 * Plain Aedes: its own in-memory persistence, no hooks, on a `noDelay` server, with default options
 * or with `AEDES_OPTIONS` (JSON). What Aedes itself costs per relayed message, against which
 * Canopy's broker is measured.
 */
const PLAIN_AEDES = `import { createServer } from 'node:net';
import { Aedes } from 'aedes';
const broker = await Aedes.createBroker(JSON.parse(process.env.AEDES_OPTIONS));
createServer({ noDelay: true }, (socket) => broker.handle(socket)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));`;

/**
 * `--cpu-prof` is refused in NODE_OPTIONS, and the services are started by a shared helper: a
 * preload module (a data: URL) profiles the process through the inspector and writes the profile
 * at exit (the in-process inspector session answers synchronously, so 'exit' is not too late).
 */
function cpuProfilePreload(file: string): string {
  const source = `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const s = new Session();
s.connect();
s.post('Profiler.enable');
s.post('Profiler.setSamplingInterval', { interval: 200 });
s.post('Profiler.start');
process.on('exit', () => s.post('Profiler.stop', (err, r) => { if (!err) writeFileSync(${JSON.stringify(file)}, JSON.stringify(r.profile)); }));`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

const perMsg = (p: ProcessFigures | undefined, messages: number): ProcessFigures | undefined =>
  p && p.cpuS !== undefined && messages > 0 ? { ...p, usPerMsg: Math.round((p.cpuS * 1e6) / messages) } : p;

/** An anchor broker (Mosquitto, plain Aedes) in a child process, once it listens. */
interface ChildBroker {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function childBroker(child: ChildProcess, port: number): Promise<ChildBroker> {
  await waitForPort(port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function benchPipeline(options: PipelineOptions): Promise<{ results: PipelineResult[]; notes: string[] }> {
  const dir = await makeTempDir('bench-pipeline');
  const notes: string[] = [];
  try {
    const { credentials: devices } = await seedDevices(dir.path, options.devices);
    const subscriber = { clientId: 'bench-relay', username: SERVICE.MQTT_SERVICE_USERNAME, password: SERVICE.MQTT_SERVICE_PASSWORD };
    const results: PipelineResult[] = [];
    let run = 0;

    const profile = (name: string) =>
      options.profileDir ? { NODE_OPTIONS: `--import=${cpuProfilePreload(join(options.profileDir, `${name}-${run}.cpuprofile`))}` } : {};
    const startBroker = (persistence: 'memory' | 'sqlite') =>
      startServiceBroker(dir.path, `broker-${run}`, { MQTT_PERSISTENCE: persistence, ...profile('broker') });

    const startMosquitto = async (): Promise<ChildBroker> => {
      const port = await freePort();
      const conf = join(dir.path, `mosquitto-${run}.conf`);
      // Unlimited inflight and queue, nothing on disk: the peer stack's conditions.
      writeFileSync(
        conf,
        `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nset_tcp_nodelay true\n`,
      );
      const child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
      return childBroker(child, port);
    };

    const pipelineRun = async (name: string, broker: { url: string; pid: number | undefined }) => {
      run += 1;
      const database = `bench_${run}`;
      const ingest = await startIngest(dir.path, `ingest-${run}`, {
        mqttUrl: broker.url,
        influxUrl: options.influxUrl,
        database,
        clientId: `bench-ingest-${run}`,
        env: profile('ingest'),
      });
      // Subscribed a moment after its HTTP listener is up.
      await sleep(1_000);
      const brokerCpu = sampleProcess(broker.pid);
      const ingestCpu = sampleProcess(ingest.process.pid());
      const influxCpu = sampleProcess(options.influxPid ?? childInfluxd());
      const startAt = loadStartAt(devices.length);
      const steadyFrom = writtenAt(ingest.url, startAt + STEADY_AFTER_MS);
      const steadyTo = writtenAt(ingest.url, startAt + options.durationMs);
      const load = await runLoad(
        { mqttUrl: broker.url, devices, ratePerS: options.ratePerS, durationMs: options.durationMs, startAt },
        options.loadgenProcesses,
      );
      const [from, to] = await Promise.all([steadyFrom, steadyTo]);
      // Only if the load started on time, so the window is inside it.
      const steady =
        from && to && load.firstPublishAt - startAt < 200 && options.durationMs > 2 * STEADY_AFTER_MS
          ? Math.round((to.readings - from.readings) / READINGS_PER_MESSAGE / ((to.at - from.at) / 1_000))
          : undefined;
      const written = await waitWritten(ingest.url, load.acked * READINGS_PER_MESSAGE, { everyMs: 100, quietMs: 15_000 });
      const stored = { count: await storedMessages(options.influxUrl, database), at: written.at };
      const brokerFigures = perMsg(brokerCpu.stop(), stored.count);
      const ingestFigures = perMsg(ingestCpu.stop(), stored.count);
      const influxFigures = perMsg(influxCpu.stop(), stored.count);
      const metrics = await scrape(ingest.url);
      await ingest.process.kill('SIGTERM');
      const p = (q: number) => {
        const s = histogramQuantile(metrics, 'canopy_ingest_lag_seconds', q);
        return s === undefined ? undefined : Math.round(s * 1_000);
      };
      const seconds = (stored.at - load.firstPublishAt) / 1_000;
      results.push({
        name,
        offeredPerS: options.ratePerS,
        published: load.published,
        acked: load.acked,
        delivered: stored.count,
        lost: load.published - stored.count,
        msgsPerS: Math.round(stored.count / seconds),
        readingsPerS: Math.round((stored.count * READINGS_PER_MESSAGE) / seconds),
        ...(steady !== undefined ? { steadyMsgsPerS: steady } : {}),
        storedP50Ms: p(0.5),
        storedP99Ms: p(0.99),
        ...(brokerFigures ? { broker: brokerFigures } : {}),
        ...(ingestFigures ? { ingest: ingestFigures } : {}),
        ...(influxFigures ? { influxd: influxFigures } : {}),
        ...loadgenFigures(load, stored.count),
      });
    };

    const startPlainAedes = async (options: object): Promise<ChildBroker> => {
      const port = await freePort();
      // Run from the repository root, where `aedes` resolves.
      const child = spawn(process.execPath, ['--input-type=module', '--eval', PLAIN_AEDES], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, PORT: String(port), AEDES_OPTIONS: JSON.stringify(options), ...profile('aedes') },
        stdio: 'ignore',
      });
      return childBroker(child, port);
    };

    const relayRun = async (name: string, persistence: 'memory' | 'sqlite' | 'mosquitto' | { aedes: object }) => {
      run += 1;
      const broker =
        persistence === 'mosquitto'
          ? await startMosquitto()
          : typeof persistence === 'object'
            ? await startPlainAedes(persistence.aedes)
            : await startBroker(persistence).then((b) => ({ url: b.url, pid: b.process.pid(), stop: () => b.process.kill('SIGTERM') }));
      const cpu = sampleProcess(broker.pid);
      const load = await runLoad(
        { mqttUrl: broker.url, devices, ratePerS: options.ratePerS, durationMs: options.durationMs, subscriber },
        options.loadgenProcesses,
      );
      const figures = perMsg(cpu.stop(), load.relayed);
      await broker.stop();
      const seconds = (Math.max(load.lastRelayAt, load.lastAckAt) - load.firstPublishAt) / 1_000;
      results.push({
        name,
        offeredPerS: options.ratePerS,
        published: load.published,
        acked: load.acked,
        delivered: load.relayed,
        lost: load.published - load.relayed,
        msgsPerS: Math.round(load.relayed / seconds),
        readingsPerS: Math.round((load.relayed * READINGS_PER_MESSAGE) / seconds),
        ...(figures ? { broker: figures } : {}),
        ...loadgenFigures(load, load.relayed),
      });
    };

    const pipelineWith = async (persistence: 'memory' | 'sqlite') => {
      const broker = await startBroker(persistence);
      try {
        await pipelineRun(`pipeline, broker persistence ${persistence}`, { url: broker.url, pid: broker.process.pid() });
      } finally {
        await broker.process.kill('SIGTERM');
      }
    };
    const runs = options.runs ?? (['memory', 'relay-memory', 'sqlite', 'relay-sqlite', 'mosquitto'] as const);
    for (const r of runs) {
      if (r === 'memory' || r === 'sqlite') await pipelineWith(r);
      else if (r === 'relay-memory' || r === 'relay-sqlite') {
        const persistence = r === 'relay-memory' ? 'memory' : 'sqlite';
        await relayRun(`anchor: bare broker relay, ${persistence}`, persistence);
      } else if (r === 'relay-aedes') await relayRun('anchor: plain Aedes relay (defaults, no hooks)', { aedes: {} });
      else if (r === 'relay-aedes-unbounded')
        await relayRun('anchor: plain Aedes relay (concurrency 0, no hooks)', { aedes: { concurrency: 0 } });
      else if (!existsSync(MOSQUITTO)) {
        notes.push(`Mosquitto anchor skipped: ${MOSQUITTO} is not installed (apt-get install -y mosquitto).`);
      } else if (r === 'relay-mosquitto') await relayRun('anchor: bare Mosquitto relay', 'mosquitto');
      else {
        const mosquitto = await startMosquitto();
        try {
          await pipelineRun('anchor: Mosquitto broker + Canopy ingest', mosquitto);
        } finally {
          await mosquitto.stop();
        }
      }
    }
    return { results, notes };
  } finally {
    await dir.remove();
  }
}

function loadgenFigures(load: LoadResult, messages: number): { loadgen?: ProcessFigures } {
  if (load.cpuS === undefined) return {};
  const seconds = Math.max(0.001, (Math.max(load.lastAckAt, load.lastRelayAt) - load.firstPublishAt) / 1_000);
  return { loadgen: perMsg({ cpuPct: Math.round((load.cpuS / seconds) * 100), maxRssMb: 0, cpuS: load.cpuS }, messages) as ProcessFigures };
}

/** Markdown: every run, and the ratios the targets are stated in. */
export function pipelineTable(
  bench: { results: readonly PipelineResult[]; notes: readonly string[] },
  options: Omit<PipelineOptions, 'influxUrl'>,
  influxReadingsPerS: number | undefined,
): string[] {
  const find = (name: string) => bench.results.find((r) => r.name === name);
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(2) : '-');
  const fig = (p: ProcessFigures | undefined) => (p ? `${p.cpuPct}% / ${p.maxRssMb} MB / ${p.usPerMsg ?? '-'} µs` : '-');
  const cpu = (p: ProcessFigures | undefined) => (p ? `${p.cpuPct}% / ${p.usPerMsg ?? '-'} µs` : '-');
  const memory = find('pipeline, broker persistence memory');
  const durable = find('pipeline, broker persistence sqlite');
  return [
    `## Pipeline (${options.devices} devices, QoS 1, 8 metrics a message, offered ${options.ratePerS.toLocaleString('en')} msg/s for ${options.durationMs / 1_000} s)`,
    '',
    '| run | published | acked | delivered | lost | msg/s | msg/s while loaded | readings/s | publish→stored p50 / p99 (ms) | broker CPU / RSS / CPU per msg | ingest CPU / RSS / CPU per msg | influxd CPU / per msg | load generator CPU / per msg |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- |',
    ...bench.results.map(
      (r) =>
        `| ${r.name} | ${r.published.toLocaleString('en')} | ${r.acked.toLocaleString('en')} | ${r.delivered.toLocaleString('en')} | ${r.lost} | ${r.msgsPerS.toLocaleString('en')} | ${r.steadyMsgsPerS?.toLocaleString('en') ?? '-'} | ${r.readingsPerS.toLocaleString('en')} | ${r.storedP50Ms ?? '-'} / ${r.storedP99Ms ?? '-'} | ${fig(r.broker)} | ${fig(r.ingest)} | ${cpu(r.influxd)} | ${cpu(r.loadgen)} |`,
    ),
    '',
    '| ratio | value |',
    '| --- | ---: |',
    `| durable ÷ in-memory broker persistence (pipeline msg/s) | ${ratio(durable?.msgsPerS, memory?.msgsPerS)} |`,
    `| pipeline ÷ bare broker relay, in memory | ${ratio(memory?.msgsPerS, find('anchor: bare broker relay, memory')?.msgsPerS)} |`,
    `| pipeline ÷ bare broker relay, durable | ${ratio(durable?.msgsPerS, find('anchor: bare broker relay, sqlite')?.msgsPerS)} |`,
    `| pipeline (in memory) ÷ Mosquitto + ingest | ${ratio(memory?.msgsPerS, find('anchor: Mosquitto broker + Canopy ingest')?.msgsPerS)} |`,
    `| pipeline readings/s ÷ InfluxDB raw line-protocol ceiling | ${ratio(memory?.readingsPerS, influxReadingsPerS)} |`,
    '',
    'A run delivers at most the offered rate: msg/s equal to the offered rate means the pipeline kept up, not that it is its ceiling.',
    `msg/s is over the whole run, first publish → last message stored, so it includes the flush and write of the last batch after the load ends; msg/s while loaded is stored messages per second from ${STEADY_AFTER_MS / 1_000} s after the load starts to its end (ingest's count of written readings), which reaches the offered rate when the pipeline keeps up and, in overload, leaves out the drain after the load, when the pipeline has the machine to itself.`,
    'CPU per msg: CPU time (user + system, from /proc) over the run divided by the messages stored (or relayed): robust to other load on the machine, unlike msg/s.',
    ...bench.notes,
  ];
}
