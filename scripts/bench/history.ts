/**
 * History latency at every range over a seeded year, asked of the API over HTTP while ingest
 * stores 1,000 messages/s from other devices and the rollup maintainer runs, each service in its
 * own process as in a deployment of several API nodes. One greenhouse has 4 devices × 8 metrics at
 * 10-second intervals. The seed is what the real system holds after retention: raw readings for
 * the raw-retention window only, and rollups of every level for the whole span, computed here from
 * the very samples the raw readings carry (the maintainer would compute the same; doing it here
 * avoids hours of seeding), and greenhouse rollups on a store that keeps them.
 * Latencies are reported against the 1-hour query (raw data) of the same store in the same run;
 * the event-loop lag is the API process's own, from its /metrics over the querying window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseStepMs } from '@canopy/core';
import {
  type AggregateRow,
  BACKFILL_DONE,
  createLogger,
  type Env,
  LEVEL_MS,
  loadDataConfig,
  mergeDevices,
  openTimeSeriesStore,
  ROLLUP_LEVELS,
  type RollupLevel,
  type RollupStore,
  regroup,
  type StoredReading,
} from '@canopy/core/node';
import { freePort, serviceProcess } from '../../tests/helpers/serviceProcess.ts';
import { apiKeyClient, type Client } from '../../tests/helpers/stack.ts';
import { makeTempDir } from '../../tests/helpers/tmp.ts';
import {
  ADMIN,
  influxEnv,
  loadAverage,
  metricValue,
  runLoad,
  SERVICE,
  type Service,
  sampleProcess,
  scrape,
  seedDevices,
  startApi,
  startBroker,
  startIngest,
  stopAll,
  waitForPort,
} from './benchKit.ts';

const METRICS = ['air_temp_c', 'rh_pct', 'co2_ppm', 'ppfd_umol_m2_s', 'soil_moisture_pct', 'soil_temp_c', 'ec_ms_cm', 'ph'];
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SAMPLE_MS = 10_000;
const RANGES = [
  ['1 h', HOUR],
  ['24 h', DAY],
  ['7 d', 7 * DAY],
  ['30 d', 30 * DAY],
  ['1 y', 365 * DAY],
] as const;
const WRITER_MSGS_PER_S = 1_000;
/** Demo devices seeded (3 per greenhouse, each greenhouse then gets a fourth): all but the queried greenhouse's publish. */
const WRITER_DEVICES = 99;
/** Raw readings written per store call while seeding. */
const RAW_CHUNK_MS = 3 * HOUR;
/** The machine counts as settled after seeding below this share of its CPU busy (2 cores: 0.15 is 30 % of one). */
const SETTLED_BUSY = 0.15;
const SETTLE_MAX_MS = 5 * MIN;
/**
 * InfluxDB's cache-snapshot-write-cold-duration for the benchmark's influxd, in seconds. 1.6 sorts
 * a series' whole in-memory cache entry on each read (a minute of a seeded week: 82 ms from the
 * cache, 2.3 ms from disk); a store filled in real time holds minutes there, not the week a seed
 * writes in seconds, so the seed is left to go to disk before measuring.
 */
export const HISTORY_COLD_SNAPSHOT_S = 10;
/** Before the querying starts: the load generator connects, ingest and the maintainer settle. */
const LOAD_WARMUP_MS = 10_000;
/** `--influx-only` / `--sqlite-only`: measure one store. */
const INFLUX_ONLY = process.argv.includes('--influx-only');
const SQLITE_ONLY = process.argv.includes('--sqlite-only');

interface Scale {
  readonly days: number;
  readonly rawDays: number;
  readonly queriesPerRange: number;
  readonly maintainerIntervalS: number;
  /** Seconds of load; queries go on until it ends, and at least queriesPerRange rounds. */
  readonly loadS: number;
}
const FULL: Scale = { days: 365, rawDays: 90, queriesPerRange: 30, maintainerIntervalS: 30, loadS: 180 };
const QUICK: Scale = { days: 14, rawDays: 1, queriesPerRange: 10, maintainerIntervalS: 5, loadS: 40 };

export interface RangeLatency {
  readonly range: string;
  /** Where the interior of the range was read from (edges and dirty hours are read raw). */
  readonly source: string;
  readonly buckets: number;
  readonly queries: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** p95 over the same store's 1-hour p95. */
  readonly p95VsAnchor: number;
}

export interface HistoryResult {
  readonly store: string;
  readonly seeded: {
    readonly days: number;
    readonly rawDays: number;
    readonly rawReadings: number;
    /** Rows written per level, over all devices and metrics. */
    readonly rollupRows: Readonly<Record<RollupLevel, number>>;
    readonly seedSeconds: number;
    /** Seconds waited after seeding for the machine to go quiet (InfluxDB compacting). */
    readonly settledSeconds: number;
  };
  readonly ranges: readonly RangeLatency[];
  /** Telemetry messages/s the broker acknowledged for ingest during the run. */
  readonly writerMsgsPerS: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly apiCpuPct: number;
  readonly loadAverage: string;
}

/** A smooth daily cycle plus deterministic jitter, cheap enough for 100M samples. */
function sample(device: number, metric: number, ts: number): number {
  const phase = ((ts % DAY) / DAY) * 2 * Math.PI;
  const jitter = (((ts / SAMPLE_MS) * 7_919 + device * 104_729 + metric * 1_299_709) % 1_000) / 1_000;
  return 10 * (metric + 1) + 5 * Math.sin(phase + device) + jitter;
}

/** The raw readings of the seeded greenhouse in [from, to). */
function rawReadings(from: number, to: number, greenhouse: string, devices: readonly string[]): StoredReading[] {
  const out: StoredReading[] = [];
  for (let ts = from; ts < to; ts += SAMPLE_MS) {
    for (let d = 0; d < devices.length; d++) {
      for (let m = 0; m < METRICS.length; m++)
        out.push({ greenhouse, device: devices[d] ?? '', metric: METRICS[m] ?? '', ts, value: sample(d, m, ts) });
    }
  }
  return out;
}

/** Busy CPU time of the whole machine, in clock ticks, from /proc/stat. */
function busyTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Waits for InfluxDB's cold snapshot, then until the machine's CPU is under SETTLED_BUSY over a 5-s window, SETTLE_MAX_MS at most; the seconds waited. */
async function settle(): Promise<number> {
  const started = Date.now();
  // At least long enough for InfluxDB to write its cache of the seed to disk.
  await sleep(HISTORY_COLD_SNAPSHOT_S * 1_000 + 5_000);
  while (Date.now() - started < SETTLE_MAX_MS) {
    const a = busyTicks();
    await sleep(5_000);
    const b = busyTicks();
    if ((b.busy - a.busy) / Math.max(1, b.total - a.total) < SETTLED_BUSY) break;
  }
  return Math.round((Date.now() - started) / 1_000);
}

async function seed(
  store: RollupStore,
  scale: Scale,
  end: number,
  greenhouse: string,
  devices: readonly string[],
): Promise<Omit<HistoryResult['seeded'], 'settledSeconds'>> {
  const started = performance.now();
  const start = end - scale.days * DAY;
  const rawFrom = end - scale.rawDays * DAY;
  const rollupRows = Object.fromEntries(ROLLUP_LEVELS.map((level) => [level, 0])) as Record<RollupLevel, number>;
  let minuteRows: AggregateRow[] = [];
  /** Six hours at a time, on 6-hour boundaries, so every coarser interval is whole within one write. */
  const flush = async () => {
    let rows = minuteRows;
    for (const level of ROLLUP_LEVELS) {
      if (level !== '1m') rows = regroup(rows, (t) => t - (t % LEVEL_MS[level]));
      await store.rollups.writeRollups(level, rows);
      await store.rollups.greenhouses?.write(level, mergeDevices(rows));
      rollupRows[level] += rows.length;
    }
    minuteRows = [];
  };
  for (let minute = start; minute < end; minute += MIN) {
    for (let d = 0; d < devices.length; d++) {
      for (let m = 0; m < METRICS.length; m++) {
        let sum = 0;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let ts = minute; ts < minute + MIN; ts += SAMPLE_MS) {
          const v = sample(d, m, ts);
          sum += v;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        minuteRows.push({
          greenhouse,
          device: devices[d] ?? '',
          metric: METRICS[m] ?? '',
          bucket: minute,
          sum,
          count: MIN / SAMPLE_MS,
          min,
          max,
        });
      }
    }
    if ((minute + MIN) % LEVEL_MS['6h'] === 0) await flush();
  }
  await flush();

  let rawCount = 0;
  for (let from = rawFrom; from < end; from += RAW_CHUNK_MS) {
    const batch = rawReadings(from, Math.min(end, from + RAW_CHUNK_MS), greenhouse, devices);
    await store.write(batch);
    rawCount += batch.length;
  }
  // The seed's rollups are computed above, every level: its own dirty marks count as rolled up, as
  // after a maintainer pass, and there is nothing to backfill.
  await store.rollups.writeCursor(Date.now());
  await store.rollups.writeBackfilledFrom(BACKFILL_DONE);
  await store.rollups.greenhouses?.writeBackfilledFrom(BACKFILL_DONE);
  return {
    days: scale.days,
    rawDays: scale.rawDays,
    rawReadings: rawCount,
    rollupRows,
    seedSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round = (ms: number) => Math.round(ms * 10) / 10;
/** The coarsest source a range's step can be served from (its ends and dirty hours come from finer ones). */
const sourceOf = (stepMs: number) => {
  const level = [...ROLLUP_LEVELS].reverse().find((l) => stepMs % LEVEL_MS[l] === 0);
  return level ? `${level} rollups` : 'raw';
};

/** Latency samples per range label, taken round-robin while the load runs. */
async function queryRanges(
  client: Client,
  greenhouse: string,
  until: number,
  minRounds: number,
): Promise<{ latencies: Map<string, number[]>; buckets: Map<string, number> }> {
  const latencies = new Map<string, number[]>(RANGES.map(([label]) => [label, []]));
  const buckets = new Map<string, number>();
  // Round-robin over the ranges so that noise from other work on the machine spreads evenly; the
  // first round warms caches and is not counted.
  for (let i = 0; i <= minRounds || Date.now() < until; i++) {
    for (const [label, span] of RANGES) {
      const to = Date.now();
      const query = new URLSearchParams({ metrics: METRICS.join(','), from: String(to - span), to: String(to) });
      const t0 = performance.now();
      const res = await client.fetch(`/api/greenhouses/${greenhouse}/history?${query}`);
      const body = (await res.json()) as { series?: Array<{ points: unknown[] }> };
      const took = performance.now() - t0;
      if (res.status !== 200 || !body.series) throw new Error(`history ${label}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      if (i > 0) latencies.get(label)?.push(took);
      buckets.set(label, Math.max(...body.series.map((s) => s.points.length), 0));
    }
  }
  return { latencies, buckets };
}

interface RunningStack {
  readonly services: Service[];
  readonly mqttUrl: string;
  /** The process that answers HTTP: its lag and CPU are reported. */
  readonly api: Service;
}

/**
 * The embedded store's deployment: everything in one process, as `npm start` runs it (the SQLite
 * file is not shared between processes), the simulator off.
 */
async function startOneProcess(dataDir: string, scale: Scale): Promise<RunningStack> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const canopy = serviceProcess(
    'scripts/start.ts',
    {
      ...SERVICE,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      MQTT_PERSISTENCE: 'memory',
      MQTT_PUBLISH_RATE: '100000',
      MQTT_PUBLISH_BURST: '100000',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      API_RATE_LIMIT_PER_MIN: '1000000',
      SIM_DEVICES: '0',
      ROLLUP_INTERVAL_S: String(scale.maintainerIntervalS),
    },
    join(dataDir, 'canopy.log'),
  );
  canopy.start();
  const service: Service = { process: canopy, url: `http://127.0.0.1:${httpPort}`, port: httpPort };
  await waitForPort(httpPort);
  return { services: [service], mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, api: service };
}

/** InfluxDB's deployment for several API nodes: broker, ingest, the rollup maintainer and the API each in its own process. */
async function startProcesses(
  dataDir: string,
  dataEnv: Env,
  scale: Scale,
  influx: { influxUrl?: string; database?: string },
): Promise<RunningStack> {
  const services: Service[] = [];
  const broker = await startBroker(dataDir, 'broker');
  services.push(broker);
  services.push(await startIngest(dataDir, 'ingest', { mqttUrl: broker.url, clientId: 'bench-history-ingest', ...influx }));
  const maintainer = serviceProcess(
    'core/src/rollupMain.ts',
    { ...dataEnv, LOG_LEVEL: 'warn', ROLLUP_INTERVAL_S: String(scale.maintainerIntervalS) },
    join(dataDir, 'rollups.log'),
  );
  maintainer.start();
  services.push({ process: maintainer, url: '', port: 0 });
  const api = await startApi(dataDir, 'api', { mqttUrl: broker.url, ...influx });
  services.push(api);
  return { services, mqttUrl: broker.url, api };
}

/**
 * One store: seed it, then run the services as separate processes (broker, ingest, rollup
 * maintainer, API), publish 1,000 msg/s through the broker to ingest, and ask the API over HTTP.
 */
async function measureStore(kind: 'sqlite' | 'influx', scale: Scale, influxUrl?: string): Promise<HistoryResult> {
  const dir = await makeTempDir('bench-history');
  const database = `bench_history_${Date.now()}`;
  const influx = kind === 'influx' && influxUrl ? { influxUrl, database } : {};
  const services: Service[] = [];
  try {
    // Every greenhouse gets a fourth device; the first greenhouse holds the seeded year, the others take the load.
    const { coop, credentials } = await seedDevices(dir.path, WRITER_DEVICES, { users: true, extraPerGreenhouse: 1 });
    const greenhouse = coop.greenhouses[0]?.id ?? 'gh-1';
    const devices = [
      ...coop.devices.filter((d) => d.greenhouseId === greenhouse).map((d) => d.id),
      `${greenhouse.replace('-', '')}-sensor-1`,
    ];
    const logger = createLogger({ name: 'bench', level: 'warn' });
    const dataEnv = { DATA_DIR: dir.path, ...influxEnv(influx) };
    const store = await openTimeSeriesStore(loadDataConfig(dataEnv), logger);
    let seeded: Omit<HistoryResult['seeded'], 'settledSeconds'>;
    let settledS: number;
    try {
      const end = Math.floor(Date.now() / MIN) * MIN;
      seeded = await seed(store, scale, end, greenhouse, devices);
      // A year written in minutes leaves InfluxDB snapshotting and compacting for a while, which a
      // real store, filled over the year, never has to do at once: wait for the machine to go quiet.
      settledS = await settle();
      // Readings from the seed's end up to now, as the devices would have sent them meanwhile; the
      // maintainer rolls them up like any others.
      await store.write(rawReadings(end, Math.floor(Date.now() / SAMPLE_MS) * SAMPLE_MS, greenhouse, devices));
    } finally {
      await store.close();
    }

    const stack = await (kind === 'sqlite' ? startOneProcess(dir.path, scale) : startProcesses(dir.path, dataEnv, scale, influx));
    services.push(...stack.services);
    const api = stack.api;
    const client = await apiKeyClient(api.url, 'manager');

    const loadDevices = credentials.filter((c) => !devices.includes(c.clientId));
    const load = runLoad({ mqttUrl: stack.mqttUrl, devices: loadDevices, ratePerS: WRITER_MSGS_PER_S, durationMs: scale.loadS * 1_000 });
    const loadEnd = Date.now() + scale.loadS * 1_000;
    // The generator connects its devices first; ingest's first batches and the maintainer's first pass settle.
    await sleep(LOAD_WARMUP_MS);
    await scrape(api.url); // prom-client resets its event-loop histogram at each scrape
    const apiFigures = sampleProcess(api.process.pid());
    const { latencies, buckets } = await queryRanges(client, greenhouse, loadEnd - LOAD_WARMUP_MS, scale.queriesPerRange);
    const metrics = await scrape(api.url);
    const apiProcess = apiFigures.stop();
    const loadResult = await load;
    const lagMs = (q: string) => round(metricValue(metrics, `canopy_api_nodejs_eventloop_lag_${q}_seconds`) * 1_000);

    const p95s = RANGES.map(([label]) => percentile(sorted(latencies.get(label)), 95));
    const anchor = p95s[0] || 1;
    return {
      store:
        kind === 'sqlite' ? 'embedded SQLite, one process (npm start)' : 'InfluxDB 1.6.7, broker, ingest, maintainer and API processes',
      seeded: { ...seeded, settledSeconds: settledS },
      ranges: RANGES.map(([label, span], i) => {
        const samples = sorted(latencies.get(label));
        return {
          range: label,
          source: sourceOf(chooseStepMs(0, span)),
          buckets: buckets.get(label) ?? 0,
          queries: samples.length,
          p50Ms: round(percentile(samples, 50)),
          p95Ms: round(p95s[i] ?? 0),
          p95VsAnchor: Math.round(((p95s[i] ?? 0) / anchor) * 100) / 100,
        };
      }),
      writerMsgsPerS: Math.round(loadResult.acked / scale.loadS),
      lagP50Ms: lagMs('p50'),
      lagP99Ms: lagMs('p99'),
      lagMaxMs: lagMs('max'),
      apiCpuPct: apiProcess?.cpuPct ?? 0,
      loadAverage: loadAverage(),
    };
  } finally {
    await stopAll(services);
    await dir.remove();
  }
}

const sorted = (samples: readonly number[] | undefined) => [...(samples ?? [])].sort((a, b) => a - b);

export async function benchHistory(options: { quick: boolean; influxUrl?: string }): Promise<HistoryResult[]> {
  const scale = options.quick ? QUICK : FULL;
  const results = INFLUX_ONLY ? [] : [await measureStore('sqlite', scale)];
  if (options.influxUrl && !SQLITE_ONLY) results.push(await measureStore('influx', scale, options.influxUrl));
  return results;
}

/** Markdown for the bench report. */
export function historyTable(results: readonly HistoryResult[]): string[] {
  const lines = ['## History (4 devices × 8 metrics, all 8 metrics per query, over HTTP while ingest stores 1,000 msg/s)', ''];
  for (const r of results) {
    const s = r.seeded;
    lines.push(
      `**${r.store}**: seeded ${s.days} days in ${s.seedSeconds} s, then ${s.settledSeconds} s for the machine to go quiet — raw for the last ${s.rawDays} days (${s.rawReadings.toLocaleString('en')} readings), ` +
        `rollups of every level for all of it (${ROLLUP_LEVELS.map((l) => `${s.rollupRows[l].toLocaleString('en')} ${l}`).join(', ')} rows over all devices and metrics). ` +
        `Ingest: ${r.writerMsgsPerS.toLocaleString('en')} msg/s acknowledged. API process: event-loop lag p50 / p99 / max ${r.lagP50Ms} / ${r.lagP99Ms} / ${r.lagMaxMs} ms, ` +
        `CPU ${r.apiCpuPct} %. Load average at the end: ${r.loadAverage}.`,
      '',
      '| range | served from | buckets/series | queries | p50 (ms) | p95 (ms) | p95 × 1-h anchor |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
      ...r.ranges.map((x) => `| ${x.range} | ${x.source} | ${x.buckets} | ${x.queries} | ${x.p50Ms} | ${x.p95Ms} | ${x.p95VsAnchor} |`),
      '',
    );
  }
  return lines;
}
