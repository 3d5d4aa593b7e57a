/**
 * The time-series tables in one SQLite file, synchronously (better-sqlite3). Only the worker
 * thread calls this, so a long query or a busy wait never blocks a service's event loop.
 */
import Database from 'better-sqlite3';
import type { HistoryPoint, HistorySeries } from '../history.ts';
import type { LatestValue, RangeQuery, StoredReading } from './timeSeriesStore.ts';

/**
 * `latest` holds the newest reading per device and metric, kept in the same transaction as
 * `readings`, so the dashboard's most frequent query reads a table the size of the fleet.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  ts INTEGER NOT NULL,
  greenhouse TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (device, metric, ts)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_by_greenhouse ON readings (greenhouse, metric, ts);
CREATE TABLE IF NOT EXISTS latest (
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  greenhouse TEXT NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (device, metric)
) STRICT, WITHOUT ROWID;
`;

interface BucketRow {
  device?: string;
  bucket: number;
  mean: number;
  min: number;
  max: number;
}

export interface SeriesDb {
  write(readings: readonly StoredReading[]): void;
  latest(greenhouses: readonly string[]): LatestValue[];
  range(query: RangeQuery): HistorySeries[];
  close(): void;
}

/** Expects checked input (see influxChecks.ts); every value is a bound parameter all the same. */
export function openSeriesDb(file: string): SeriesDb {
  const db = new Database(file);
  // Ingest and the API may be separate processes on one file: wait for each other's locks instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // With WAL, NORMAL only risks the last transactions on power loss, never corruption.
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);

  const insertReading = db.prepare(
    `INSERT INTO readings (device, metric, ts, greenhouse, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device, metric, ts) DO UPDATE SET greenhouse = excluded.greenhouse, value = excluded.value`,
  );
  const upsertLatest = db.prepare(
    `INSERT INTO latest (device, metric, greenhouse, ts, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device, metric) DO UPDATE SET greenhouse = excluded.greenhouse, ts = excluded.ts, value = excluded.value
     WHERE excluded.ts >= latest.ts`,
  );
  const selectLatest = db.prepare<[string], LatestValue>(
    `SELECT greenhouse, device, metric, ts, value FROM latest
     WHERE greenhouse IN (SELECT value FROM json_each(?)) ORDER BY greenhouse, device, metric`,
  );
  // Per metric, so each query is a range scan of readings_by_greenhouse. Buckets start at epoch multiples of step.
  const rangeSql = (byDevice: boolean) =>
    `SELECT ${byDevice ? 'device, ' : ''}ts - ts % :step AS bucket, avg(value) AS mean, min(value) AS min, max(value) AS max
     FROM readings WHERE greenhouse = :greenhouse AND metric = :metric AND ts >= :from AND ts < :to
     GROUP BY ${byDevice ? 'device, ' : ''}bucket ORDER BY ${byDevice ? 'device, ' : ''}bucket`;
  type RangeParams = { step: number; greenhouse: string; metric: string; from: number; to: number };
  const selectMerged = db.prepare<RangeParams, BucketRow>(rangeSql(false));
  const selectByDevice = db.prepare<RangeParams, BucketRow>(rangeSql(true));

  // IMMEDIATE: take the write lock up front; upgrading a read lock mid-transaction fails at once under contention.
  const writeBatch = db.transaction((readings: readonly StoredReading[]) => {
    const newest = new Map<string, StoredReading>();
    for (const r of readings) {
      insertReading.run(r.device, r.metric, r.ts, r.greenhouse, r.value);
      const key = `${r.device}\n${r.metric}`;
      const seen = newest.get(key);
      if (!seen || r.ts >= seen.ts) newest.set(key, r);
    }
    for (const r of newest.values()) upsertLatest.run(r.device, r.metric, r.greenhouse, r.ts, r.value);
  });

  // One read transaction: every metric of a chart comes from the same snapshot.
  const readRange = db.transaction((q: RangeQuery) => {
    const out: HistorySeries[] = [];
    const metrics = [...new Set(q.metrics)].sort();
    for (const metric of metrics) {
      const params = { step: q.stepMs, greenhouse: q.greenhouse, metric, from: q.from, to: q.to };
      const rows = (q.byDevice ? selectByDevice : selectMerged).all(params);
      const byDevice = new Map<string | undefined, HistoryPoint[]>();
      for (const row of rows) {
        const points = byDevice.get(row.device) ?? [];
        points.push([row.bucket, row.mean, row.min, row.max]);
        byDevice.set(row.device, points);
      }
      for (const [device, points] of byDevice) out.push(device === undefined ? { metric, points } : { metric, device, points });
    }
    return out;
  });

  return {
    write: (readings) => writeBatch.immediate(readings),
    latest: (greenhouses) => selectLatest.all(JSON.stringify(greenhouses)),
    range: (query) => (query.from < query.to ? readRange(query) : []),
    close: () => db.close(),
  };
}
