/**
 * The time-series tables in one SQLite file, synchronously (better-sqlite3). Only the worker
 * thread calls this, so a long query or a busy wait never blocks a service's event loop.
 */
import Database from 'better-sqlite3';
import type { HistorySeries } from '../history.ts';
import { assembleSeries, planRange } from './historyPlan.ts';
import { type AggregateRow, createMarkClock, HOUR_MS } from './rollups.ts';
import { migrateRollups, openSqliteRollups, ROLLUP_TABLES, type SqliteRollups } from './sqliteRollups.ts';
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

export interface SeriesDb extends SqliteRollups {
  write(readings: readonly StoredReading[]): void;
  latest(greenhouses: readonly string[]): LatestValue[];
  range(query: RangeQuery): HistorySeries[];
  deleteGreenhouses(greenhouses: readonly string[]): void;
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
  migrateRollups(db);
  const rollups = openSqliteRollups(db);
  const markClock = createMarkClock();

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
    // In the same transaction as the readings: a crash cannot keep data and lose the fact that its hour needs rolling up.
    rollups.markDirty(new Set(readings.map((r) => r.ts - (r.ts % HOUR_MS))), markClock());
  });

  // One read transaction: the dirty hours and every piece of every metric come from the same snapshot.
  const readRange = db.transaction((q: RangeQuery) => {
    const plan = planRange(q);
    const state = plan.interior ? rollups.rollupState(plan.interior.from, plan.interior.to) : { dirtyHours: [], backfilledFrom: undefined };
    const rows: AggregateRow[] = [];
    for (const piece of plan.pieces(state)) {
      for (const metric of new Set(q.metrics)) for (const row of rollups.aggregate(piece, q.greenhouse, metric, q.byDevice)) rows.push(row);
    }
    return assembleSeries(q, plan, rows);
  });

  // A farm's erasure: raw readings, latest values and rollups, all in one transaction.
  const eraseGreenhouses = db.transaction((greenhouses: readonly string[]) => {
    for (const table of ['readings', 'latest', ...Object.values(ROLLUP_TABLES)]) {
      db.prepare(`DELETE FROM ${table} WHERE greenhouse IN (SELECT value FROM json_each(?))`).run(JSON.stringify(greenhouses));
    }
  });

  return {
    write: (readings) => writeBatch.immediate(readings),
    deleteGreenhouses: (greenhouses) => eraseGreenhouses.immediate(greenhouses),
    latest: (greenhouses) => selectLatest.all(JSON.stringify(greenhouses)),
    range: (query) => (query.from < query.to ? readRange(query) : []),
    ...rollups,
    close: () => db.close(),
  };
}
