/**
 * Rollup tables of the embedded store, synchronously, inside the SQLite worker: sum/count/min/max
 * of every level (1, 2, 5 and 15 minutes, 1 and 6 hours) per greenhouse, metric, bucket and device, the dirty-hour log that
 * every write appends to, and the maintainer's cursor. Table names come from a fixed map;
 * every value is a bound parameter.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Piece, RollupState } from './historyPlan.ts';
import { type AggregateRow, type DirtyHour, HOUR_MS, ROLLUP_LEVELS, type RollupLevel, type Source } from './rollups.ts';

const rollupTable = (level: RollupLevel) => `
CREATE TABLE IF NOT EXISTS rollup_${level} (
  greenhouse TEXT NOT NULL, metric TEXT NOT NULL, bucket INTEGER NOT NULL, device TEXT NOT NULL,
  sum REAL NOT NULL, count INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  PRIMARY KEY (greenhouse, metric, bucket, device)
) STRICT, WITHOUT ROWID;`;

const ROLLUP_SCHEMA = `${ROLLUP_LEVELS.map(rollupTable).join('')}
CREATE TABLE IF NOT EXISTS rollup_dirty (hour INTEGER PRIMARY KEY, marked_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS rollup_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
`;

/**
 * Creates what is missing: a file from before the 2-, 5- and 15-minute and 6-hour levels gets
 * their tables empty, and the maintainer backfills them from its 1-minute and 1-hour rollups.
 */
export function migrateRollups(db: Database): void {
  db.exec(ROLLUP_SCHEMA);
}

/** Beyond this many buckets in a piece, grouping rows beats generating buckets. */
const MAX_WINDOWS = 20_000;
/** Every rollup table, by level: the only table names that reach SQL text. */
export const ROLLUP_TABLES: Readonly<Record<RollupLevel, string>> = Object.fromEntries(
  ROLLUP_LEVELS.map((l) => [l, `rollup_${l}`]),
) as Record<RollupLevel, string>;
const TABLE = ROLLUP_TABLES;

export interface SqliteRollups {
  markDirty(hours: Iterable<number>, markedAt: number): void;
  /** Dirty hours overlapping [from, to) not yet rolled up (all of them before the first maintenance), and the backfill's progress. */
  rollupState(from: number, to: number): RollupState;
  /** One history piece of one metric of one greenhouse. */
  aggregate(piece: Piece, greenhouse: string, metric: string, byDevice: boolean): AggregateRow[];
  aggregateRaw(hours: readonly number[], stepMs: number): AggregateRow[];
  aggregateLevel(level: RollupLevel, from: number, to: number, stepMs: number): AggregateRow[];
  writeRollups(level: RollupLevel, rows: readonly AggregateRow[]): void;
  dirtyHours(markedSince: number, within?: { from: number; to: number }): DirtyHour[];
  readCursor(): number | undefined;
  writeCursor(cursor: number): void;
  readBackfilledFrom(): number | undefined;
  writeBackfilledFrom(from: number): void;
  oldestRollup(level: RollupLevel): number | undefined;
  deleteBefore(source: Source, cutoff: number): boolean;
}

type PieceParams = { step: number; greenhouse: string; metric: string; from: number; to: number };

export function openSqliteRollups(db: Database): SqliteRollups {
  const markDirty = db.prepare(
    'INSERT INTO rollup_dirty (hour, marked_at) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET marked_at = excluded.marked_at',
  );
  const selectCursor = db.prepare<[], { value: number }>(`SELECT value FROM rollup_state WHERE key = 'cursor'`);
  const upsertCursor = db.prepare(
    `INSERT INTO rollup_state (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  const selectBackfilled = db.prepare<[], { value: number }>(`SELECT value FROM rollup_state WHERE key = 'backfilled_from'`);
  const upsertBackfilled = db.prepare(
    `INSERT INTO rollup_state (key, value) VALUES ('backfilled_from', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  const selectPending = db.prepare<[number, number, number], { hour: number }>(
    'SELECT hour FROM rollup_dirty WHERE hour > ? AND hour < ? AND marked_at >= ? ORDER BY hour',
  );
  const selectDirty = db.prepare<[number, number, number], DirtyHour>(
    'SELECT hour, marked_at AS markedAt FROM rollup_dirty WHERE marked_at >= ? AND hour >= ? AND hour < ? ORDER BY marked_at, hour',
  );

  // History pieces: range scans of readings_by_greenhouse or of a rollup table's primary key. Joining
  // generated buckets halves the time of grouping by `ts - ts % step`, for which SQLite sorts every
  // row; grouping stays for steps so fine that generating every bucket would cost more.
  const pieceSql = (source: Source, byDevice: boolean, windows: boolean) => {
    const [table, ts, agg] =
      source === 'raw'
        ? ['readings', 'ts', 'sum(r.value) AS sum, count(*) AS count, min(r.value) AS min, max(r.value) AS max']
        : [TABLE[source], 'bucket', 'sum(r.sum) AS sum, sum(r.count) AS count, min(r.min) AS min, max(r.max) AS max'];
    const dev = byDevice ? 'r.device AS device, ' : '';
    const scope = `r.greenhouse = :greenhouse AND r.metric = :metric`;
    if (!windows)
      return `SELECT ${dev}r.${ts} - r.${ts} % :step AS b, ${agg} FROM ${table} r
        WHERE ${scope} AND r.${ts} >= :from AND r.${ts} < :to GROUP BY ${byDevice ? 'r.device, ' : ''}b`;
    return `WITH RECURSIVE w(s) AS (SELECT :from - :from % :step UNION ALL SELECT s + :step FROM w WHERE s + :step < :to)
      SELECT ${dev}w.s AS b, ${agg}
      FROM w JOIN ${table} r ON ${scope} AND r.${ts} >= max(w.s, :from) AND r.${ts} < min(w.s + :step, :to)
      GROUP BY w.s${byDevice ? ', r.device' : ''}`;
  };
  type PieceRow = { device?: string; b: number; sum: number; count: number; min: number; max: number };
  const pieceStatements = new Map<string, Statement<PieceParams, PieceRow>>();
  for (const source of ['raw', ...ROLLUP_LEVELS] as const) {
    for (const byDevice of [false, true]) {
      for (const windows of [false, true])
        pieceStatements.set(`${source}/${byDevice}/${windows}`, db.prepare<PieceParams, PieceRow>(pieceSql(source, byDevice, windows)));
    }
  }

  // The maintainer's read: per (device, metric) pair, a primary-key range scan of readings.
  const rawOfPair = db.prepare<
    { device: string; metric: string; from: number; to: number; step: number },
    { greenhouse: string; bucket: number; sum: number; count: number; min: number; max: number }
  >(
    `SELECT greenhouse, ts - ts % :step AS bucket, sum(value) AS sum, count(*) AS count, min(value) AS min, max(value) AS max
     FROM readings WHERE device = :device AND metric = :metric AND ts >= :from AND ts < :to GROUP BY greenhouse, bucket`,
  );

  /** Distinct leading key pairs by index seeks, so no full scan of a big table. */
  const pairsOf = (table: string, a: string, b: string) => {
    const first = db.prepare<[], [string, string]>(`SELECT ${a}, ${b} FROM ${table} ORDER BY ${a}, ${b} LIMIT 1`).raw();
    const next = db
      .prepare<[string, string], [string, string]>(
        `SELECT ${a}, ${b} FROM ${table} WHERE (${a}, ${b}) > (?, ?) ORDER BY ${a}, ${b} LIMIT 1`,
      )
      .raw();
    return () => {
      const out: [string, string][] = [];
      for (let row = first.get(); row; row = next.get(row[0], row[1])) out.push(row);
      return out;
    };
  };
  const readingPairs = pairsOf('readings', 'device', 'metric');
  const byLevel = <T>(make: (level: RollupLevel) => T) =>
    Object.fromEntries(ROLLUP_LEVELS.map((l) => [l, make(l)])) as Record<RollupLevel, T>;
  const rollupPairs = byLevel((level) => pairsOf(TABLE[level], 'greenhouse', 'metric'));

  // The maintainer's reads of a level (coarser levels from finer ones): per (greenhouse, metric), a primary-key range scan.
  const levelOfPair = byLevel((level) =>
    db.prepare<
      { greenhouse: string; metric: string; from: number; to: number; step: number },
      { device: string; bucket: number; sum: number; count: number; min: number; max: number }
    >(
      `SELECT device, bucket - bucket % :step AS bucket, sum(sum) AS sum, sum(count) AS count, min(min) AS min, max(max) AS max
       FROM ${TABLE[level]} WHERE greenhouse = :greenhouse AND metric = :metric AND bucket >= :from AND bucket < :to
       GROUP BY device, bucket - bucket % :step`,
    ),
  );
  const oldestOfPair = byLevel((level) =>
    db.prepare<[string, string], { bucket: number | null }>(
      `SELECT min(bucket) AS bucket FROM ${TABLE[level]} WHERE greenhouse = ? AND metric = ?`,
    ),
  );

  const upserts = byLevel(upsertRollup);
  function upsertRollup(level: RollupLevel) {
    return db.prepare(
      `INSERT INTO ${TABLE[level]} (greenhouse, metric, bucket, device, sum, count, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (greenhouse, metric, bucket, device) DO UPDATE SET sum = excluded.sum, count = excluded.count, min = excluded.min, max = excluded.max`,
    );
  }
  const writeRollups = db.transaction((level: RollupLevel, rows: readonly AggregateRow[]) => {
    const upsert = upserts[level];
    for (const r of rows) upsert.run(r.greenhouse, r.metric, r.bucket, r.device ?? '', r.sum, r.count, r.min, r.max);
  });

  const deleteRaw = db.prepare('DELETE FROM readings WHERE device = ? AND metric = ? AND ts < ?');
  const deleteDirty = db.prepare('DELETE FROM rollup_dirty WHERE hour < ?');
  const deleteRollups = byLevel((level) => db.prepare(`DELETE FROM ${TABLE[level]} WHERE greenhouse = ? AND metric = ? AND bucket < ?`));

  const readCursor = () => selectCursor.get()?.value;

  return {
    markDirty(hours, markedAt) {
      for (const hour of hours) markDirty.run(hour, markedAt);
    },
    rollupState(from, to) {
      return {
        dirtyHours: selectPending.all(from - HOUR_MS, to, readCursor() ?? Number.MIN_SAFE_INTEGER).map((r) => r.hour),
        backfilledFrom: selectBackfilled.get()?.value,
      };
    },
    aggregate(piece, greenhouse, metric, byDevice) {
      const windows = (piece.to - piece.from) / piece.stepMs <= MAX_WINDOWS;
      const statement = pieceStatements.get(`${piece.source}/${byDevice}/${windows}`);
      const rows = statement?.all({ step: piece.stepMs, greenhouse, metric, from: piece.from, to: piece.to }) ?? [];
      return rows.map(({ b, ...r }) => ({ ...r, greenhouse, metric, bucket: b }));
    },
    aggregateRaw(hours, step) {
      const out: AggregateRow[] = [];
      const pairs = readingPairs();
      for (const from of hours) {
        for (const [device, metric] of pairs) {
          for (const r of rawOfPair.all({ device, metric, from, to: from + HOUR_MS, step })) out.push({ ...r, device, metric });
        }
      }
      return out;
    },
    aggregateLevel(level, from, to, step) {
      const out: AggregateRow[] = [];
      for (const [greenhouse, metric] of rollupPairs[level]()) {
        for (const r of levelOfPair[level].all({ greenhouse, metric, from, to, step })) out.push({ ...r, greenhouse, metric });
      }
      return out;
    },
    writeRollups: (level, rows) => writeRollups.immediate(level, rows),
    dirtyHours(markedSince, within) {
      return selectDirty.all(markedSince, within?.from ?? Number.MIN_SAFE_INTEGER, within?.to ?? Number.MAX_SAFE_INTEGER);
    },
    readCursor,
    writeCursor: (cursor) => void upsertCursor.run(cursor),
    readBackfilledFrom: () => selectBackfilled.get()?.value,
    writeBackfilledFrom: (from) => void upsertBackfilled.run(from),
    oldestRollup(level) {
      let oldest: number | undefined;
      for (const [greenhouse, metric] of rollupPairs[level]()) {
        const bucket = oldestOfPair[level].get(greenhouse, metric)?.bucket;
        if (typeof bucket === 'number' && (oldest === undefined || bucket < oldest)) oldest = bucket;
      }
      return oldest;
    },
    deleteBefore(source, cutoff) {
      // One short transaction per pair: ingest's writes wait for a pair, never for the whole sweep.
      if (source === 'raw') {
        for (const [device, metric] of readingPairs()) deleteRaw.run(device, metric, cutoff);
        deleteDirty.run(cutoff);
      } else {
        for (const [greenhouse, metric] of rollupPairs[source]()) deleteRollups[source].run(greenhouse, metric, cutoff);
      }
      return true;
    },
  };
}
