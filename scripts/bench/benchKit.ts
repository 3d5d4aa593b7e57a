/**
 * Pieces shared by the benchmarks that run Canopy's services as separate processes: starting the
 * broker, ingest and API on loopback ports, seeding devices, sampling a process's CPU and RSS
 * from /proc, reading Prometheus figures, counting what InfluxDB holds, and driving the load
 * generator. Every start returns something with a stop or kill; callers stop what they start.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DemoCooperative, demoCooperative } from '@canopy/core';
import {
  type Env,
  type MqttCredentials,
  metaDbFile,
  openMetaDb,
  provisionDevice,
  rotateDeviceSecret,
  seedDemo,
  seedDemoUsers,
} from '@canopy/core/node';
import { freePort, type ServiceProcess, serviceProcess } from '../../tests/helpers/serviceProcess.ts';
import type { LoadResult, LoadSpec } from './loadgen.ts';

export { telemetryBody } from './telemetryBody.ts';

/** Fixed service credentials, so the benchmark can act as a service client too. */
export const SERVICE = { MQTT_SERVICE_USERNAME: 'canopy-bench', MQTT_SERVICE_PASSWORD: 'canopy-bench-service-password' };
export const SERVICE_MQTT = { username: SERVICE.MQTT_SERVICE_USERNAME, password: SERVICE.MQTT_SERVICE_PASSWORD };
/** 8 sent metrics + VPD and dew point derived by ingest. */
export const READINGS_PER_MESSAGE = 10;
export const ADMIN = { email: 'admin@bench.canopy', password: 'bench-admin-password' };

export interface ProcessFigures {
  readonly cpuPct: number;
  readonly maxRssMb: number;
  /** CPU seconds (user + system) over the run. */
  readonly cpuS?: number;
  /** CPU microseconds per delivered (stored or relayed) message. */
  readonly usPerMsg?: number;
}

export interface ProcessSampler {
  /** Highest RSS so far, in MB. */
  maxRssMb(): number;
  stop(): ProcessFigures | undefined;
}

/** Samples a process's CPU (utime + stime) and RSS from /proc while it runs. */
export function sampleProcess(pid: number | undefined, everyMs = 500): ProcessSampler {
  const ticks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  };
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  if (pid === undefined) return { maxRssMb: () => 0, stop: () => undefined };
  const started = { at: Date.now(), ticks: ticks() };
  let maxRss = rssMb();
  const sample = () => {
    try {
      maxRss = Math.max(maxRss, rssMb());
    } catch {
      // exited
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    maxRssMb: () => Math.round(maxRss),
    stop() {
      clearInterval(timer);
      try {
        sample();
        // Clock ticks are 1/100 s on Linux.
        const cpuS = (ticks() - started.ticks) / 100;
        return { cpuPct: Math.round((cpuS / ((Date.now() - started.at) / 1_000)) * 100), maxRssMb: Math.round(maxRss), cpuS };
      } catch {
        return undefined;
      }
    },
  };
}

/** The `influxd` this process started (tests/helpers/influxd.ts), if any. */
export function childInfluxd(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes('(influxd)') && Number(stat.split(') ')[1]?.split(' ')[1]) === process.pid) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** Load average over 1, 5 and 15 minutes, for the conditions line of a report. */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

export async function waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on ${port} after ${timeoutMs / 1_000} s`);
}

/** An argument stays well under Linux's 128 KiB limit on one argv string. */
const MAX_SPEC_CHARS = 100_000;

/** When generators that connect this many devices first can all start publishing together. */
export function loadStartAt(devices: number): number {
  return Date.now() + 1_500 + devices * 5;
}

/**
 * Runs scripts/bench/loadgen.ts in its own process (its CPU is not the pipeline's), or in
 * `processes` of them that start together, each with its share of the devices and of the rate
 * (the subscriber in the first); a device list too long for one command line is split too. Their
 * counts and CPU are summed, their times merged.
 */
export async function runLoad(spec: LoadSpec, processes = 1): Promise<LoadResult> {
  const n = Math.min(spec.devices.length, Math.max(processes, Math.ceil(JSON.stringify(spec).length / MAX_SPEC_CHARS)));
  if (n <= 1) return runLoadProcess(spec);
  const startAt = spec.startAt ?? loadStartAt(spec.devices.length);
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runLoadProcess({
        ...spec,
        devices: spec.devices.filter((_, j) => j % n === i),
        ratePerS: spec.ratePerS / n,
        startAt,
        subscriber: i === 0 ? spec.subscriber : undefined,
      }),
    ),
  );
  const sum = (k: 'published' | 'acked' | 'relayed' | 'cpuS') => results.reduce((a, r) => a + (r[k] ?? 0), 0);
  return {
    published: sum('published'),
    acked: sum('acked'),
    relayed: sum('relayed'),
    firstPublishAt: Math.min(...results.map((r) => r.firstPublishAt)),
    lastAckAt: Math.max(...results.map((r) => r.lastAckAt)),
    lastRelayAt: Math.max(...results.map((r) => r.lastRelayAt)),
    cpuS: sum('cpuS'),
  };
}

async function runLoadProcess(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'loadgen.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exit = once(child, 'exit');
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  await exit;
  process.off('exit', kill);
  const line = out.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as LoadResult;
  } catch {
    throw new Error(`load generator failed: ${out.slice(-500)}`);
  }
}

/**
 * Seeds the demo cooperative with `devices` devices (3 per greenhouse) and issues their MQTT
 * secrets; `extraPerGreenhouse` more sensors are provisioned in each greenhouse by the registry.
 */
export async function seedDevices(
  dataDir: string,
  devices: number,
  options: { users?: boolean; extraPerGreenhouse?: number } = {},
): Promise<{ coop: DemoCooperative; credentials: MqttCredentials[] }> {
  const meta = await openMetaDb({ file: metaDbFile({ dataDir }) });
  try {
    const coop = demoCooperative(devices);
    await seedDemo(meta, coop, { intervalS: 10 });
    if (options.users) await seedDemoUsers(meta, coop);
    const credentials: MqttCredentials[] = [];
    for (const d of coop.devices) {
      const issued = await rotateDeviceSecret(meta, d.id);
      if (issued) credentials.push(issued);
    }
    // Greenhouse after greenhouse for each i: a load generator going round the list then spreads every room's readings in time.
    for (let i = 1; i <= (options.extraPerGreenhouse ?? 0); i++) {
      for (const gh of coop.greenhouses) {
        const id = `${gh.id.replace('-', '')}-sensor-${i}`;
        credentials.push(
          (await provisionDevice(meta, { id, greenhouseId: gh.id, name: `Sensor ${i}`, kind: 'canopy', intervalS: 10 })).mqtt,
        );
      }
    }
    return { coop, credentials };
  } finally {
    await meta.destroy();
  }
}

export interface Service {
  readonly process: ServiceProcess;
  /** mqtt:// for the broker, http:// for ingest's /metrics and the API. */
  readonly url: string;
  readonly port: number;
}

export async function startBroker(dataDir: string, name: string, env: Env = {}): Promise<Service> {
  const port = await freePort();
  const broker = serviceProcess(
    'broker/src/main.ts',
    {
      ...SERVICE,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(port),
      MQTT_PERSISTENCE: 'memory',
      // Benchmark devices publish far above a real device's rate.
      MQTT_PUBLISH_RATE: '100000',
      MQTT_PUBLISH_BURST: '100000',
      ...env,
    },
    join(dataDir, `${name}.log`),
  );
  broker.start();
  await waitForPort(port);
  return { process: broker, url: `mqtt://127.0.0.1:${port}`, port };
}

/** Without an InfluxDB the services use the embedded SQLite store in DATA_DIR. */
export const influxEnv = (o: { influxUrl?: string | undefined; database?: string | undefined }): Env =>
  o.influxUrl ? { INFLUX_URL: o.influxUrl, INFLUX_DATABASE: o.database } : {};

/** Ingest with its /metrics on a loopback port; resolves once that listener is up (subscribed a moment later). */
export async function startIngest(
  dataDir: string,
  name: string,
  options: { mqttUrl: string; influxUrl?: string; database?: string; clientId: string; env?: Env },
): Promise<Service> {
  const port = await freePort();
  const ingest = serviceProcess(
    'ingest/src/main.ts',
    {
      ...SERVICE,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_URL: options.mqttUrl,
      ...influxEnv(options),
      INGEST_CLIENT_ID: options.clientId,
      INGEST_HTTP_HOST: '127.0.0.1',
      INGEST_HTTP_PORT: String(port),
      ...options.env,
    },
    join(dataDir, `${name}.log`),
  );
  ingest.start();
  await waitForPort(port);
  return { process: ingest, url: `http://127.0.0.1:${port}`, port };
}

export async function startApi(
  dataDir: string,
  name: string,
  options: { mqttUrl: string; influxUrl?: string; database?: string },
): Promise<Service> {
  const port = await freePort();
  const api = serviceProcess(
    'api/src/main.ts',
    {
      ...SERVICE,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_URL: options.mqttUrl,
      ...influxEnv(options),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      API_RATE_LIMIT_PER_MIN: '1000000',
      API_CLIENT_ID: `bench-api-${name}`,
    },
    join(dataDir, `${name}.log`),
  );
  api.start();
  await waitForPort(port);
  return { process: api, url: `http://127.0.0.1:${port}`, port };
}

export async function scrape(httpUrl: string): Promise<string> {
  return (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
}

/** The value of an unlabelled sample (a gauge, a counter) in a Prometheus text page; 0 when absent. */
export function metricValue(metrics: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

/** Quantile from a Prometheus histogram, interpolated linearly within its bucket. */
export function histogramQuantile(metrics: string, name: string, q: number): number | undefined {
  const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map((m) => ({
    le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]),
    count: Number(m[2]),
  }));
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const b of buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return previous.le;
      const within = b.count === previous.count ? 0 : (rank - previous.count) / (b.count - previous.count);
      return previous.le + (b.le - previous.le) * within;
    }
    previous = b;
  }
  return undefined;
}

/** Messages stored in InfluxDB: every message carries air_temp_c once. */
export async function storedMessages(influxUrl: string, db: string): Promise<number> {
  const q = encodeURIComponent('SELECT count(air_temp_c) FROM telemetry');
  const res = await fetch(`${influxUrl}/query?db=${db}&epoch=ms&q=${q}`, { signal: AbortSignal.timeout(120_000) });
  const body = (await res.json()) as { results?: Array<{ series?: Array<{ values?: Array<[number, number]> }> }> };
  return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
}

export interface Written {
  /** When ingest's count reached the readings expected, or last grew. */
  readonly at: number;
  /** When ingest first reported a message received; undefined if it never did. */
  readonly firstReceivedAt: number | undefined;
  /** It stopped growing for `quietMs`, or `deadline` passed, short of the readings expected. */
  readonly timedOut: boolean;
}

/**
 * Polls ingest's own count of written readings (`/metrics`) until it reaches `expectedReadings`.
 * It says when to look; InfluxDB's count, taken once afterwards, is the figure. Polling InfluxDB
 * instead costs the pipeline being measured: a count over millions of points takes influxd
 * 30–300 ms of CPU.
 */
export async function waitWritten(
  ingestUrl: string,
  expectedReadings: number,
  options: { readonly everyMs: number; readonly quietMs: number; readonly deadline?: number },
): Promise<Written> {
  let written = 0;
  let firstReceivedAt: number | undefined;
  let lastChange = Date.now();
  for (;;) {
    const page = await scrape(ingestUrl).catch(() => '');
    const now = page === '' ? written : metricValue(page, 'canopy_ingest_readings_written_total');
    if (firstReceivedAt === undefined && metricValue(page, 'canopy_ingest_messages_received_total') > 0) firstReceivedAt = Date.now();
    if (now !== written) {
      written = now;
      lastChange = Date.now();
    }
    if (written >= expectedReadings) return { at: lastChange, firstReceivedAt, timedOut: false };
    if (Date.now() - lastChange > options.quietMs || Date.now() > (options.deadline ?? Number.POSITIVE_INFINITY))
      return { at: lastChange, firstReceivedAt, timedOut: true };
    await sleep(options.everyMs);
  }
}

/** Kills each service that is still running, in reverse order of start. */
export async function stopAll(services: ReadonlyArray<Service | undefined>): Promise<void> {
  for (const s of [...services].reverse()) await s?.process.kill('SIGTERM');
}

export const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en', { maximumFractionDigits: digits });
