/**
 * The live-view benchmark: devices → broker → ingest → API → Socket.IO, each service in its own
 * process, at a steady QoS 1 rate, with dashboard sockets spread over greenhouse rooms. Sockets
 * authenticate with a coop manager's API key, as a dashboard integration would, and join rooms
 * with the dashboard's `join` event. The device timestamp is the publish time, and every process
 * runs on this machine, so arrival − ts on the socket is publish → Socket.IO. Each delivered
 * reading is one sample: it includes the wait for the per-greenhouse coalescing interval, which
 * is what a farmer sees. Anchor in the same run and stack: the same load with one socket.
 *
 * The sockets of a room receive the same frame; its JSON is decoded once for all of them
 * (`SharedDecoder`): 500 browsers do not run on the server, and decoding every copy took 31 % of
 * a core from the services at 5,000 msg/s. Each socket still receives its own frame, and a
 * reading is timed when its socket's handler runs.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LiveMessage, type LiveSample, topicFilter } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { Decoder, Encoder, type Packet } from 'socket.io-parser';
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
  /** Event-loop lag of the benchmark process holding the sockets: a bound on its measurement error. */
  readonly clientLoopLagP99Ms: number;
  /** CPU of that process (decoding every socket's messages) over the run, % of one core: taken from the services. */
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

interface Quantiles {
  readonly total: number;
  quantile(q: number): number | undefined;
}

/**
 * Millisecond latency counts up to a minute (beyond lands in the last slot), kept per second of
 * the readings' publish time, so that the load's first seconds can be told from its steady state.
 */
function latencyRecorder() {
  const bySecond = new Map<number, Uint32Array>();
  // The readings of a message nearly all fall in one second: the last second's counts are at hand.
  let lastSecond = Number.NaN;
  let counts: Uint32Array = new Uint32Array(0);
  return {
    /** `n` readings of one timestamp that arrived together. */
    add(ts: number, ms: number, n = 1) {
      const second = Math.floor(ts / 1_000);
      if (second !== lastSecond) {
        lastSecond = second;
        counts = bySecond.get(second) ?? new Uint32Array(60_001);
        bySecond.set(second, counts);
      }
      const slot = Math.min(60_000, Math.max(0, Math.round(ms)));
      counts[slot] = (counts[slot] ?? 0) + n;
    },
    /** Quantiles of the readings published in the whole seconds from `fromTs` on. */
    since(fromTs = Number.NEGATIVE_INFINITY): Quantiles {
      const counts = new Uint32Array(60_001);
      let total = 0;
      for (const [second, c] of bySecond) {
        if (second * 1_000 < fromTs) continue;
        for (let ms = 0; ms < c.length; ms++) {
          const n = c[ms] ?? 0;
          counts[ms] = (counts[ms] ?? 0) + n;
          total += n;
        }
      }
      return {
        total,
        quantile(q: number): number | undefined {
          if (total === 0) return undefined;
          const rank = Math.ceil(q * total);
          let seen = 0;
          for (let ms = 0; ms < counts.length; ms++) {
            seen += counts[ms] ?? 0;
            if (seen >= rank) return ms;
          }
          return undefined;
        },
      };
    },
  };
}

/** Readings in a live sample. */
function metricCount(sample: LiveSample): number {
  let n = 0;
  for (const _ in sample.m) n += 1;
  return n;
}

/** Decoded frames by their text, shared by every socket's decoder; the oldest go first. */
const decodedFrames = new Map<string, Packet>();
const MAX_DECODED_FRAMES = 500;
/** Below this a frame is decoded by each socket, as usual: acks, pings, status events. */
const SHARED_FRAME_CHARS = 1_000;

class SharedDecoder extends Decoder {
  private decoding: string | undefined;

  constructor() {
    super();
    this.on('decoded', (packet) => {
      if (this.decoding === undefined) return;
      decodedFrames.set(this.decoding, packet);
      if (decodedFrames.size > MAX_DECODED_FRAMES) decodedFrames.delete(decodedFrames.keys().next().value as string);
    });
  }

  override add(obj: unknown): void {
    if (typeof obj !== 'string' || obj.length < SHARED_FRAME_CHARS) {
      super.add(obj);
      return;
    }
    const known = decodedFrames.get(obj);
    if (known) {
      this.emitReserved('decoded', known);
      return;
    }
    this.decoding = obj;
    try {
      super.add(obj);
    } finally {
      this.decoding = undefined;
    }
  }
}
const sharedParser = { Encoder, Decoder: SharedDecoder };

/** Messages one socket received for one room, for the update rate per room. */
interface RoomCount {
  messages: number;
  firstAt: number;
  lastAt: number;
}

/** `count` sockets, socket i in room i mod greenhouses; a single socket joins every room (the anchor). */
async function openSockets(httpUrl: string, headers: Readonly<Record<string, string>>, count: number, greenhouses: number) {
  const sockets: Socket[] = [];
  const join = async (socket: Socket, room: string) => {
    const answer = (await socket.timeout(30_000).emitWithAck('join', { greenhouseId: room })) as { ok: boolean };
    if (!answer.ok) throw new Error(`join ${room} refused: ${JSON.stringify(answer)}`);
  };
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
      const socket = io(`${httpUrl}/live`, {
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: { ...headers },
        parser: sharedParser,
      });
      sockets.push(socket);
      if (count === 1) for (let g = 1; g <= greenhouses; g++) await join(socket, `gh-${g}`);
      else await join(socket, `gh-${((i + j) % greenhouses) + 1}`);
    });
    await Promise.all(batch);
  }
  return sockets;
}

export async function benchLiveView(options: LiveViewOptions): Promise<LiveViewResult> {
  const dir = await makeTempDir('bench-live');
  const services: Array<Service | undefined> = [];
  const sockets: Socket[] = [];
  const notes: string[] = [];
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
      for (const s of sockets.splice(0)) s.close();
      const open = await openSockets(api.url, manager.headers, count, options.greenhouses);
      sockets.push(...open);
      const all = latencyRecorder();
      const newest = latencyRecorder();
      const atTopic = latencyRecorder();
      const rooms = new Map<string, RoomCount>();
      const loop = monitorEventLoopDelay({ resolution: 10 });
      let startedAt = Number.POSITIVE_INFINITY;
      let lastSeenAt = Date.now();
      onTap = (m, at) => {
        for (const r of m.samples) if (r.ts >= startedAt) atTopic.add(r.ts, at - r.ts, metricCount(r));
      };
      for (const [i, socket] of open.entries()) {
        socket.on('readings', (m: LiveMessage) => {
          const at = Date.now();
          let newestTs = 0;
          let counted = false;
          for (const r of m.samples) {
            if (r.ts < startedAt) continue;
            counted = true;
            all.add(r.ts, at - r.ts, metricCount(r));
            newestTs = Math.max(newestTs, r.ts);
          }
          if (!counted) return;
          lastSeenAt = at;
          newest.add(newestTs, at - newestTs);
          const key = `${i} ${m.greenhouse}`;
          const room = rooms.get(key) ?? { messages: 0, firstAt: at, lastAt: at };
          rooms.set(key, room);
          room.messages += 1;
          room.lastAt = at;
        });
      }
      await scrape(api.url); // resets the API's event-loop histogram
      const samplers = [api.process.pid(), broker.process.pid(), ingest.process.pid(), childInfluxd()].map((pid) => sampleProcess(pid));
      loop.enable();
      const clientCpu = process.cpuUsage();
      startedAt = Date.now();
      const load = await runLoad({ mqttUrl: broker.url, devices: credentials, ratePerS, durationMs: RAMP_MS + durationMs });
      // The tail: when ingest falls behind, its readings keep arriving after the load; all of them count.
      const tailUntil = Date.now() + TAIL_MAX_MS;
      while (Date.now() < tailUntil && Date.now() - lastSeenAt < 2_000) await sleep(100);
      const tailS = Math.round((Date.now() - load.firstPublishAt - RAMP_MS - durationMs) / 1_000);
      if (record && Date.now() >= tailUntil)
        notes.push(`${name}: readings still arriving ${TAIL_MAX_MS / 1_000} s after the load; its latencies are a lower bound.`);
      loop.disable();
      const clientCpuUs = process.cpuUsage(clientCpu);
      const clientCpuPct = Math.round(((clientCpuUs.user + clientCpuUs.system) / 1_000 / (Date.now() - startedAt)) * 100);
      const [apiFigures, brokerFigures, ingestFigures, influxdFigures] = samplers.map((s) => s.stop());
      const metrics = await scrape(api.url);
      onTap = () => {};
      const counted = [...rooms.values()];
      // n messages of a steady 250 ms sender span (n − 1) × 250 ms: adding one interval gives exactly 4/s.
      const rates = counted.filter((r) => r.messages > 1).map((r) => (r.messages * 1_000) / (r.lastAt - r.firstAt + COALESCING_MS));
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
        clientLoopLagP99Ms: Math.round(loop.percentile(99) / 1e6),
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
    for (const s of sockets) s.close();
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
    `Load average at the end: ${result.loadAverage}. Latency is per delivered reading, publish → the socket's handler (the coalescing wait included), over the readings published after each run's first ${RAMP_MS / 1_000} s; whole run = the p99 with those seconds included; at live topic = the same readings at a plain MQTT subscriber to ingest's coalesced live topic (what the API receives); the tail is how long readings of the run kept arriving after its load ended.`,
    '',
    '| run | offered msg/s | published | readings seen | p50 / p99 / max (ms) | whole run p99 (ms) | at live topic p50 / p99 (ms) | newest reading p50 / p99 (ms) | tail (s) | updates/s per room mean / max | CPU broker / ingest / API / influxd | API RSS | API loop lag p50 / p99 / max (ms) | client loop lag p99 (ms) / CPU |',
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
