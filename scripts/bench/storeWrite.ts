/**
 * Store write throughput and the caller's event-loop lag while writing. The anchor is the same
 * batches inserted with better-sqlite3 on the calling thread, which is what the embedded store's
 * worker thread exists to avoid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInfluxStore, createSqliteStore, type StoredReading, type TimeSeriesStore } from '@canopy/core/node';
import Database from 'better-sqlite3';

const METRICS = ['air_temp_c', 'rh_pct', 'co2_ppm', 'ppfd_umol_m2_s', 'soil_moisture_pct', 'soil_temp_c', 'ec_ms_cm', 'ph'];
const DEVICES = 4;
const BATCH = 5_000;

export interface WriteResult {
  readonly name: string;
  readonly readingsPerS: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
}

/** Readings of 4 devices × 8 metrics at 10 s intervals, continuing from `start`. */
function batchFrom(start: number): StoredReading[] {
  const out: StoredReading[] = [];
  for (let i = 0; out.length < BATCH; i++) {
    const ts = 1_700_000_000_000 + (start + i) * 10_000;
    for (let d = 0; d < DEVICES; d++) {
      for (const metric of METRICS) out.push({ device: `dev-${d}`, greenhouse: 'gh-bench', metric, ts, value: 20 + Math.sin(i) * 5 });
    }
  }
  return out;
}

async function measure(name: string, durationMs: number, write: (batch: StoredReading[]) => Promise<void> | void): Promise<WriteResult> {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const steps = BATCH / (DEVICES * METRICS.length);
  let written = 0;
  let step = 0;
  const started = performance.now();
  lag.enable();
  while (performance.now() - started < durationMs) {
    await write(batchFrom(step));
    step += steps;
    written += BATCH;
    // Yield a tick so the lag monitor can observe the loop, as ingest's other work would.
    await new Promise((r) => setImmediate(r));
  }
  lag.disable();
  const seconds = (performance.now() - started) / 1_000;
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return {
    name,
    readingsPerS: Math.round(written / seconds),
    lagP50Ms: ms(lag.percentile(50)),
    lagP99Ms: ms(lag.percentile(99)),
    lagMaxMs: ms(lag.max),
  };
}

async function measureStore(name: string, store: TimeSeriesStore, durationMs: number): Promise<WriteResult> {
  try {
    return await measure(name, durationMs, (batch) => store.write(batch));
  } finally {
    await store.close();
  }
}

export async function benchStoreWrites(options: { durationMs: number; influxUrl?: string }): Promise<WriteResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-'));
  try {
    const direct = new Database(join(dir, 'direct.db'));
    direct.pragma('journal_mode = WAL');
    direct.pragma('synchronous = NORMAL');
    direct.exec(
      'CREATE TABLE readings (device TEXT, metric TEXT, ts INTEGER, greenhouse TEXT, value REAL, PRIMARY KEY (device, metric, ts)) WITHOUT ROWID',
    );
    const insert = direct.prepare('INSERT OR REPLACE INTO readings VALUES (?, ?, ?, ?, ?)');
    const insertAll = direct.transaction((batch: StoredReading[]) => {
      for (const r of batch) insert.run(r.device, r.metric, r.ts, r.greenhouse, r.value);
    });
    const results = [await measure('anchor: better-sqlite3 on the calling thread', options.durationMs, (batch) => insertAll(batch))];
    direct.close();
    results.push(
      await measureStore(
        'embedded SQLite store (worker thread)',
        await createSqliteStore({ file: join(dir, 'store.db') }),
        options.durationMs,
      ),
    );
    if (options.influxUrl) {
      const store = await createInfluxStore({ url: options.influxUrl, database: 'bench' });
      results.push(await measureStore('InfluxDB store (1.6.7, /write)', store, options.durationMs));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
