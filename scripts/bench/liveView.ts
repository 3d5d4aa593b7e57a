/**
 * The live-view benchmark: devices → broker → ingest → API → Socket.IO, each service in its own
 * process, at a steady QoS 1 rate, with dashboard sockets spread over greenhouse rooms. Sockets
 * authenticate with a coop manager's API key, as a dashboard integration would, and join rooms
 * with the dashboard's `join` event. The device timestamp is the publish time, and every process
 * runs on this machine, so arrival − ts on the socket is publish → Socket.IO. Each delivered
 * reading is one sample: it includes the wait for the per-greenhouse coalescing interval, which
 * is what a farmer sees. Anchor in the same run and stack: the same load with one socket.
 *
 * The sockets run in SOCKET_PROCESSES processes of their own (liveSockets.ts), and ingest's live
 * topic is timed by a plain MQTT subscriber in this one, which does nothing else while a run lasts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LiveMessage, topicFilter } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { apiKeyClient } from '../../tests/helpers/stack.ts';
import { makeTempDir } from '../../tests/helpers/tmp.ts';
import {
  childInfluxd,
  fmt,
  loadAverage,
  metricValue,
  type ProcessFigures,
  runLoad,
  SERVICE_MQTT,
  type Service,
  sampleProcess,
  scrape,
  seedDevices,
  startApi,
  startBroker,
  startIngest,
  stopAll,
} from './benchKit.ts';
import { latencyRecorder, metricCount, type Quantiles } from './liveLatency.ts';
import type { SocketFigures, SocketSpec } from './liveSockets.ts';

export interface LiveViewOptions {
  readonly influxUrl: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly greenhouses: number;
  /** Devices per greenhouse: 3 (the demo's) or more, provisioned by the registry. */
  readonly devicesPerGreenhouse: number;
  readonly sockets: number;
  /** Also measures the sockets at this lower rate, one ingest keeps up with: the live path's own cost. */
  readonly sustainedPerS?: number;
}

export interface LiveViewRun {
  readonly name: string;
  readonly offeredPerS: number;
  /** Seconds readings kept arriving after the load ended (ingest catching up). */
  readonly tailS: number;
  readonly sockets: number;
  readonly rooms: number;
  readonly published: number;
  readonly acked: number;
  /** Readings delivered to sockets during the load (each counted once per socket). */
  readonly readingsSeen: number;
  /** publish → Socket.IO per delivered reading, in the steady state (after the ramp). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  /** The same p99 over the whole run, its first RAMP_MS included. */
  readonly wholeRunP99Ms?: number;
  /** publish → ingest's live MQTT topic per reading (a subscriber next to the API's): the part before the API. */
  readonly topicP50Ms?: number;
  readonly topicP99Ms?: number;
  /** publish → Socket.IO of the newest reading of each message (freshness of the picture). */
  readonly newestP50Ms?: number;
  readonly newestP99Ms?: number;
  readonly roomUpdatesPerSMean: number;
  readonly roomUpdatesPerSMax: number;
  readonly api?: ProcessFigures;
  /** CPU and RSS of the broker, ingest and influxd over the run: with the API and the sockets, how busy the machine was. */
  readonly broker?: ProcessFigures;
  readonly ingest?: ProcessFigures;
  readonly influxd?: ProcessFigures;
  readonly apiLoopLagP50Ms: number;
  readonly apiLoopLagP99Ms: number;
  readonly apiLoopLagMaxMs: number;
  /** Worst event-loop lag p99 of the processes holding the sockets: a bound on their measurement error. */
  readonly clientLoopLagP99Ms: number;
  /** CPU of those processes together over the run, % of one core: taken from the services. */
  readonly clientCpuPct: number;
}

/** Ingest's LIVE_INTERVAL_MS default, the services here run with. */
const COALESCING_MS = 250;
/**
 * Each run's load starts with this ramp, outside its figures: the target is at a steady rate, and
 * the first seconds after hundreds of devices connect and begin publishing at once are not (the
 * services' queues and heaps grow to their steady size then). The whole run's p99 is reported too.
 */
const RAMP_MS = 5_000;
/** Longest the readings of a run may keep arriving after its load ended. */
const TAIL_MAX_MS = 120_000;

export interface LiveViewResult {
  readonly options: Omit<LiveViewOptions, 'influxUrl'>;
  readonly loadAverage: string;
  readonly runs: LiveViewRun[];
  readonly notes: string[];
}

/** Processes the dashboard sockets run in (scripts/bench/liveSockets.ts), each with its share. */
const SOCKET_PROCESSES = 4;

/** Socket processes that opened their sockets and joined their rooms. */
async function startSocketProcesses(spec: Omit<SocketSpec, 'rooms'>, rooms: ReadonlyArray<readonly string[]>) {
  const n = Math.min(SOCKET_PROCESSES, rooms.length);
  // The sockets of a room share a process, which parses each frame of the room once.
  const keys = [...new Set(rooms.map((r) => r.join()))];
  const processOf = (r: readonly string[]) => keys.indexOf(r.join()) % n;
  const children = Array.from({ length: n }, (_, i) => {
    const share: SocketSpec = { ...spec, rooms: rooms.filter((r) => processOf(r) === i) };
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'liveSockets.ts'), JSON.stringify(share)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`socket process exited (code ${child.exitCode})`);
      return value as string;
    };
    return { child, next };
  });
  const kill = () => {
    for (const c of children) c.child.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    for (const c of children) if ((await c.next()) !== 'ready') throw new Error('socket process did not start');
  } catch (err) {
    kill();
    throw err;
  }
  return {
    start(at: number) {
      for (const c of children) c.child.stdin.write(`start ${at}\n`);
    },
    async stop(): Promise<SocketFigures[]> {
      for (const c of children) c.child.stdin.write('stop\n');
      const figures = await Promise.all(children.map(async (c) => JSON.parse(await c.next()) as SocketFigures));
      await Promise.all(children.map((c) => (c.child.exitCode === null ? once(c.child, 'exit') : undefined)));
      process.off('exit', kill);
      return figures;
    },
    kill,
  };
}

export async function benchLiveView(options: LiveViewOptions): Promise<LiveViewResult> {
  const dir = await makeTempDir('bench-live');
  const services: Array<Service | undefined> = [];
  const notes: string[] = [];
  let stopClients: (() => void) | undefined;
  let tap: MqttClient | undefined;
  try {
    const { credentials } = await seedDevices(dir.path, options.greenhouses * 3, {
      users: true,
      extraPerGreenhouse: Math.max(0, options.devicesPerGreenhouse - 3),
    });
    const database = 'bench_live';
    const broker = await startBroker(dir.path, 'broker');
    services.push(broker);
    const ingest = await startIngest(dir.path, 'ingest', {
      mqttUrl: broker.url,
      influxUrl: options.influxUrl,
      database,
      clientId: 'bench-live',
    });
    services.push(ingest);
    const api = await startApi(dir.path, 'api', { mqttUrl: broker.url, influxUrl: options.influxUrl, database });
    services.push(api);
    const manager = await apiKeyClient(api.url, 'manager');
    // Ingest's live topic as the API receives it: splits publish → socket into its MQTT and API parts.
    tap = await connectMqttReady(broker.url, { clientId: 'bench-live-tap', clean: true, ...SERVICE_MQTT });
    let onTap: (m: LiveMessage, at: number) => void = () => {};
    tap.on('message', (_topic, payload) => onTap(JSON.parse(payload.toString('utf8')) as LiveMessage, Date.now()));
    await tap.subscribeAsync(topicFilter('live'), { qos: 0 });
    // Subscriptions of ingest and the API's live feed are made a moment after their listeners are up.
    await sleep(1_000);

    const runs: LiveViewRun[] = [];
    const measure = async (name: string, count: number, ratePerS: number, durationMs: number, record = true): Promise<void> => {
      // Socket i follows greenhouse i mod greenhouses; a single socket follows every one (the anchor).
      const ids = Array.from({ length: options.greenhouses }, (_, g) => `gh-${g + 1}`);
      const rooms = count === 1 ? [ids] : Array.from({ length: count }, (_, i) => [ids[i % ids.length] as string]);
      const clients = await startSocketProcesses({ apiUrl: api.url, headers: manager.headers }, rooms);
      stopClients = clients.kill;
      const atTopic = latencyRecorder();
      let startedAt = Number.POSITIVE_INFINITY;
      let lastSeenAt = Date.now();
      onTap = (m, at) => {
        let counted = false;
        for (const r of m.samples) {
          if (r.ts < startedAt) continue;
          counted = true;
          atTopic.add(r.ts, at - r.ts, metricCount(r));
        }
        if (counted) lastSeenAt = at;
      };
      await scrape(api.url); // resets the API's event-loop histogram
      const samplers = [api.process.pid(), broker.process.pid(), ingest.process.pid(), childInfluxd()].map((pid) => sampleProcess(pid));
      startedAt = Date.now();
      clients.start(startedAt);
      const load = await runLoad({ mqttUrl: broker.url, devices: credentials, ratePerS, durationMs: RAMP_MS + durationMs });
      // The tail: when ingest falls behind, its readings keep arriving after the load; all of them count.
      const tailUntil = Date.now() + TAIL_MAX_MS;
      while (Date.now() < tailUntil && Date.now() - lastSeenAt < 2_000) await sleep(100);
      const tailS = Math.round((Date.now() - load.firstPublishAt - RAMP_MS - durationMs) / 1_000);
      if (record && Date.now() >= tailUntil)
        notes.push(`${name}: readings still arriving ${TAIL_MAX_MS / 1_000} s after the load; its latencies are a lower bound.`);
      const figures = await clients.stop();
      stopClients = undefined;
      const elapsedMs = Date.now() - startedAt;
      const all = latencyRecorder();
      const newest = latencyRecorder();
      for (const f of figures) {
        all.merge(f.all);
        newest.merge(f.newest);
      }
      const clientCpuPct = Math.round((figures.reduce((a, f) => a + f.cpuUs, 0) / 1_000 / elapsedMs) * 100);
      const clientLoopLagP99Ms = Math.max(...figures.map((f) => f.loopLagP99Ms));
      const [apiFigures, brokerFigures, ingestFigures, influxdFigures] = samplers.map((s) => s.stop());
      const metrics = await scrape(api.url);
      onTap = () => {};
      const counted = figures.flatMap((f) => f.rooms);
      // n messages of a steady 250 ms sender span (n − 1) × 250 ms: adding one interval gives exactly 4/s.
      const rates = counted
        .filter(([, messages]) => messages > 1)
        .map(([, messages, firstAt, lastAt]) => (messages * 1_000) / (lastAt - firstAt + COALESCING_MS));
      const ms = (s: number) => Math.round(s * 1_000);
      if (!record) return;
      const steadyFrom = load.firstPublishAt + RAMP_MS;
      const [steady, steadyAtTopic, steadyNewest] = [all, atTopic, newest].map((r) => r.since(steadyFrom)) as [
        Quantiles,
        Quantiles,
        Quantiles,
      ];
      runs.push({
        name,
        offeredPerS: ratePerS,
        tailS,
        sockets: count,
        rooms: count === 1 ? options.greenhouses : Math.min(count, options.greenhouses),
        published: load.published,
        acked: load.acked,
        readingsSeen: steady.total,
        p50Ms: steady.quantile(0.5),
        p99Ms: steady.quantile(0.99),
        maxMs: steady.quantile(1),
        wholeRunP99Ms: all.since().quantile(0.99),
        topicP50Ms: steadyAtTopic.quantile(0.5),
        topicP99Ms: steadyAtTopic.quantile(0.99),
        newestP50Ms: steadyNewest.quantile(0.5),
        newestP99Ms: steadyNewest.quantile(0.99),
        roomUpdatesPerSMean: rates.length ? Number((rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(2)) : 0,
        roomUpdatesPerSMax: rates.length ? Number(Math.max(...rates).toFixed(2)) : 0,
        ...(apiFigures ? { api: apiFigures } : {}),
        ...(brokerFigures ? { broker: brokerFigures } : {}),
        ...(ingestFigures ? { ingest: ingestFigures } : {}),
        ...(influxdFigures ? { influxd: influxdFigures } : {}),
        apiLoopLagP50Ms: ms(metricValue(metrics, 'canopy_api_nodejs_eventloop_lag_p50_seconds')),
        apiLoopLagP99Ms: ms(metricValue(metrics, 'canopy_api_nodejs_eventloop_lag_p99_seconds')),
        apiLoopLagMaxMs: ms(metricValue(metrics, 'canopy_api_nodejs_eventloop_lag_max_seconds')),
        clientLoopLagP99Ms,
        clientCpuPct,
      });
      const expected = count === 1 ? options.greenhouses : count;
      if (counted.length < expected) notes.push(`${name}: ${expected - counted.length} of ${expected} socket-room pairs received nothing.`);
    };

    // Unmeasured: JIT, connections and the first writes, at a rate ingest keeps up with.
    await measure('warm-up', 1, Math.min(1_000, options.ratePerS), 3_000, false);
    await measure(`anchor: 1 socket in all ${options.greenhouses} rooms`, 1, options.ratePerS, options.durationMs);
    await measure(`${options.sockets} sockets in ${options.greenhouses} rooms`, options.sockets, options.ratePerS, options.durationMs);
    if (options.sustainedPerS !== undefined)
      await measure(
        `${options.sockets} sockets, offered ${fmt(options.sustainedPerS)} msg/s`,
        options.sockets,
        options.sustainedPerS,
        options.durationMs,
      );
    const { influxUrl: _, ...shown } = options;
    return { options: shown, loadAverage: loadAverage(), runs, notes };
  } finally {
    stopClients?.();
    await tap?.endAsync(true);
    await stopAll(services);
    await dir.remove();
  }
}

export function liveViewTable(result: LiveViewResult): string[] {
  const { options: o } = result;
  const [anchor, full, sustained] = result.runs;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? (a / b).toFixed(2) : '-');
  const target = (r: LiveViewRun | undefined) =>
    r?.p99Ms === undefined ? '-' : `${r.p99Ms < 300 ? 'met' : '**not met**'} (${fmt(r.p99Ms)} ms)`;
  return [
    `## Live view (${fmt(o.greenhouses * o.devicesPerGreenhouse)} devices in ${o.greenhouses} greenhouses, QoS 1, ${o.durationMs / 1_000} s a run after a ${RAMP_MS / 1_000} s ramp)`,
    '',
    `Load average at the end: ${result.loadAverage}. Latency is per delivered reading, publish → the socket's handler (the coalescing wait included), over the readings published after each run's first ${RAMP_MS / 1_000} s; whole run = the p99 with those seconds included; at live topic = the same readings at a plain MQTT subscriber to ingest's coalesced live topic (what the API receives), in a process of its own; the sockets run in ${SOCKET_PROCESSES} processes of their own; the tail is how long readings of the run kept arriving after its load ended.`,
    '',
    '| run | offered msg/s | published | readings seen | p50 / p99 / max (ms) | whole run p99 (ms) | at live topic p50 / p99 (ms) | newest reading p50 / p99 (ms) | tail (s) | updates/s per room mean / max | CPU broker / ingest / API / influxd | API RSS | API loop lag p50 / p99 / max (ms) | socket processes: worst loop lag p99 (ms) / CPU |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- | --- | ---: | --- | --- | --- | --- | --- |',
    ...result.runs.map(
      (r) =>
        `| ${r.name} | ${fmt(r.offeredPerS)} | ${fmt(r.published)} | ${fmt(r.readingsSeen)} | ${fmt(r.p50Ms)} / ${fmt(r.p99Ms)} / ${fmt(r.maxMs)} | ${fmt(r.wholeRunP99Ms)} | ${fmt(r.topicP50Ms)} / ${fmt(r.topicP99Ms)} | ${fmt(r.newestP50Ms)} / ${fmt(r.newestP99Ms)} | ${r.tailS} | ${r.roomUpdatesPerSMean} / ${r.roomUpdatesPerSMax} | ${[r.broker, r.ingest, r.api, r.influxd].map((p) => (p ? `${p.cpuPct}%` : '-')).join(' / ')} | ${r.api ? `${r.api.maxRssMb} MB` : '-'} | ${r.apiLoopLagP50Ms} / ${r.apiLoopLagP99Ms} / ${r.apiLoopLagMaxMs} | ${r.clientLoopLagP99Ms} / ${r.clientCpuPct}% |`,
    ),
    '',
    '| ratio / target | value |',
    '| --- | ---: |',
    `| p99, ${o.sockets} sockets ÷ 1 socket, at ${fmt(o.ratePerS)} msg/s | ${ratio(full?.p99Ms, anchor?.p99Ms)} |`,
    `| p99 at the sockets ÷ p99 at the live topic, ${o.sockets} sockets at ${fmt(o.ratePerS)} msg/s | ${ratio(full?.p99Ms, full?.topicP99Ms)} |`,
    `| p99 < 300 ms, ${o.sockets} sockets at ${fmt(o.ratePerS)} msg/s | ${target(full)} |`,
    ...(sustained ? [`| p99 < 300 ms, ${o.sockets} sockets at ${fmt(sustained.offeredPerS)} msg/s | ${target(sustained)} |`] : []),
    `| ≤ 4 updates/s per room | ${full ? (Math.max(...result.runs.map((r) => r.roomUpdatesPerSMax)) <= 4.05 ? 'met' : '**not met**') : '-'} (max ${Math.max(...result.runs.map((r) => r.roomUpdatesPerSMax))}) |`,
    ...result.notes,
  ];
}
