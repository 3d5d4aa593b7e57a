/**
 * History latency at every range over a seeded year, while a background writer ingests 1,000
 * messages/s (8 readings each) into the same store and the rollup maintainer runs, as in
 * `npm start`. The greenhouse has 4 devices × 8 metrics at 10-second intervals. The seed is what
 * the real system holds after retention: raw readings for the raw-retention window only, and
 * rollups of every level for the whole span, computed here from the very samples the raw
 * readings carry (the maintainer would compute the same; doing it here avoids hours of seeding),
 * and greenhouse rollups on a store that keeps them.
 * Latencies are reported against the 1-hour query (raw data) of the same store in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chooseStepMs } from '@canopy/core';
import {
  type AggregateRow,
  BACKFILL_DONE,
  createInfluxStore,
  createLogger,
  createRollupMaintainer,
  createSqliteStore,
  LEVEL_MS,
  loadRollupConfig,
  mergeDevices,
  ROLLUP_LEVELS,
  type RollupLevel,
  type RollupStore,
  regroup,
  type StoredReading,
} from '@canopy/core/node';

const METRICS = ['air_temp_c', 'rh_pct', 'co2_ppm', 'ppfd_umol_m2_s', 'soil_moisture_pct', 'soil_temp_c', 'ec_ms_cm', 'ph'];
const DEVICES = ['bench-0', 'bench-1', 'bench-2', 'bench-3'];
const GH = 'gh-bench';
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
const WRITER_DEVICES = 100;
const WRITER_FLUSH_MS = 250;
/** `--influx-only`: skip the SQLite store (iterating on InfluxDB). */
const INFLUX_ONLY = process.argv.includes('--influx-only');

interface Scale {
  readonly days: number;
  readonly rawDays: number;
  readonly queriesPerRange: number;
  readonly maintainerIntervalS: number;
}
const FULL: Scale = { days: 365, rawDays: 90, queriesPerRange: 30, maintainerIntervalS: 30 };
const QUICK: Scale = { days: 14, rawDays: 1, queriesPerRange: 10, maintainerIntervalS: 5 };

export interface RangeLatency {
  readonly range: string;
  /** Where the interior of the range was read from (edges and dirty hours are read raw). */
  readonly source: string;
  readonly buckets: number;
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
  };
  readonly ranges: readonly RangeLatency[];
  readonly writerMsgsPerS: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
}

/** A smooth daily cycle plus deterministic jitter, cheap enough for 100M samples. */
function sample(device: number, metric: number, ts: number): number {
  const phase = ((ts % DAY) / DAY) * 2 * Math.PI;
  const jitter = (((ts / SAMPLE_MS) * 7_919 + device * 104_729 + metric * 1_299_709) % 1_000) / 1_000;
  return 10 * (metric + 1) + 5 * Math.sin(phase + device) + jitter;
}

async function seed(store: RollupStore, scale: Scale, end: number): Promise<HistoryResult['seeded']> {
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
    for (let d = 0; d < DEVICES.length; d++) {
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
          greenhouse: GH,
          device: DEVICES[d] ?? '',
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

  let batch: StoredReading[] = [];
  let rawReadings = 0;
  for (let ts = rawFrom; ts < end; ts += SAMPLE_MS) {
    for (let d = 0; d < DEVICES.length; d++) {
      for (let m = 0; m < METRICS.length; m++)
        batch.push({ greenhouse: GH, device: DEVICES[d] ?? '', metric: METRICS[m] ?? '', ts, value: sample(d, m, ts) });
    }
    if (batch.length >= 40_000) {
      await store.write(batch);
      rawReadings += batch.length;
      batch = [];
    }
  }
  await store.write(batch);
  rawReadings += batch.length;
  // The seed's rollups are computed above, every level: its own dirty marks count as rolled up, as
  // after a maintainer pass, and there is nothing to backfill.
  await store.rollups.writeCursor(Date.now());
  await store.rollups.writeBackfilledFrom(BACKFILL_DONE);
  await store.rollups.greenhouses?.writeBackfilledFrom(BACKFILL_DONE);
  return {
    days: scale.days,
    rawDays: scale.rawDays,
    rawReadings,
    rollupRows,
    seedSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** 1,000 messages/s of 8 readings from 100 other devices, flushed every 250 ms like ingest's batches. */
function startWriter(store: RollupStore): { stop(): Promise<number> } {
  let messages = 0;
  let seq = 0;
  const started = performance.now();
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const now = Date.now();
    const readings: StoredReading[] = [];
    const n = (WRITER_MSGS_PER_S * WRITER_FLUSH_MS) / 1_000;
    for (let i = 0; i < n; i++, seq++) {
      const device = `load-${seq % WRITER_DEVICES}`;
      // Distinct timestamps per device, so no reading overwrites another.
      const ts = now - WRITER_FLUSH_MS + (Math.floor(seq / WRITER_DEVICES) % WRITER_FLUSH_MS);
      for (const metric of METRICS) readings.push({ greenhouse: 'gh-load', device, metric, ts, value: 20 + (seq % 10) });
    }
    pending = pending
      .then(() => store.write(readings))
      .then(() => {
        messages += n;
      });
  }, WRITER_FLUSH_MS);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return Math.round(messages / ((performance.now() - started) / 1_000));
    },
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

async function measureStore(name: string, store: RollupStore, scale: Scale): Promise<HistoryResult> {
  const logger = createLogger({ name: 'bench', level: 'warn' });
  try {
    const seeded = await seed(store, scale, Math.floor(Date.now() / MIN) * MIN);
    const maintainer = createRollupMaintainer(store, loadRollupConfig({ ROLLUP_INTERVAL_S: String(scale.maintainerIntervalS) }), logger);
    await maintainer.start();
    const writer = startWriter(store);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    const latencies = new Map<string, number[]>(RANGES.map(([label]) => [label, []]));
    const buckets = new Map<string, number>();
    let writerMsgsPerS = 0;
    try {
      lag.enable();
      // Round-robin over the ranges so that noise from other work on the machine spreads evenly.
      for (let i = 0; i <= scale.queriesPerRange; i++) {
        for (const [label, span] of RANGES) {
          const to = Date.now();
          const from = to - span;
          const t0 = performance.now();
          const series = await store.range({ greenhouse: GH, metrics: METRICS, from, to, stepMs: chooseStepMs(from, to), byDevice: false });
          // The first round warms caches and is not counted.
          if (i > 0) latencies.get(label)?.push(performance.now() - t0);
          buckets.set(label, Math.max(...series.map((s) => s.points.length), 0));
        }
      }
      lag.disable();
    } finally {
      writerMsgsPerS = await writer.stop();
      await maintainer.stop();
    }
    const p95s = RANGES.map(([label]) =>
      percentile(
        [...(latencies.get(label) ?? [])].sort((a, b) => a - b),
        95,
      ),
    );
    const anchor = p95s[0] || 1;
    const ms = (ns: number) => round(ns / 1e6);
    return {
      store: name,
      seeded,
      ranges: RANGES.map(([label, span], i) => {
        const sorted = [...(latencies.get(label) ?? [])].sort((a, b) => a - b);
        return {
          range: label,
          source: sourceOf(chooseStepMs(0, span)),
          buckets: buckets.get(label) ?? 0,
          p50Ms: round(percentile(sorted, 50)),
          p95Ms: round(p95s[i] ?? 0),
          p95VsAnchor: Math.round(((p95s[i] ?? 0) / anchor) * 100) / 100,
        };
      }),
      writerMsgsPerS,
      lagP50Ms: ms(lag.percentile(50)),
      lagP99Ms: ms(lag.percentile(99)),
      lagMaxMs: ms(lag.max),
    };
  } finally {
    await store.close();
  }
}

export async function benchHistory(options: { quick: boolean; influxUrl?: string }): Promise<HistoryResult[]> {
  const scale = options.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-history-'));
  try {
    const results = INFLUX_ONLY
      ? []
      : [await measureStore('embedded SQLite', await createSqliteStore({ file: join(dir, 'history.db') }), scale)];
    if (options.influxUrl) {
      results.push(
        await measureStore('InfluxDB 1.6.7', await createInfluxStore({ url: options.influxUrl, database: 'bench_history' }), scale),
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown for the bench report. */
export function historyTable(results: readonly HistoryResult[]): string[] {
  const lines = ['## History (4 devices × 8 metrics, all 8 metrics per query, while writing 1,000 msg/s)', ''];
  for (const r of results) {
    const s = r.seeded;
    lines.push(
      `**${r.store}**: seeded ${s.days} days in ${s.seedSeconds} s — raw for the last ${s.rawDays} days (${s.rawReadings.toLocaleString('en')} readings), ` +
        `rollups of every level for all of it (${ROLLUP_LEVELS.map((l) => `${s.rollupRows[l].toLocaleString('en')} ${l}`).join(', ')} rows over all devices and metrics). ` +
        `Writer: ${r.writerMsgsPerS.toLocaleString('en')} msg/s. Event-loop lag of the querying process p50 / p99 / max: ${r.lagP50Ms} / ${r.lagP99Ms} / ${r.lagMaxMs} ms.`,
      '',
      '| range | served from | buckets/series | p50 (ms) | p95 (ms) | p95 × 1-h anchor |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...r.ranges.map((x) => `| ${x.range} | ${x.source} | ${x.buckets} | ${x.p50Ms} | ${x.p95Ms} | ${x.p95VsAnchor} |`),
      '',
    );
  }
  return lines;
}
