/**
 * TimeSeriesStore in one embedded SQLite file, for single-box installs without InfluxDB.
 * better-sqlite3 is synchronous, so worker threads own the connections and this thread only
 * checks input and passes messages: a big batch or a long range never stalls the event loop.
 *
 * Two connections: one for ingest's writes and the rollup maintainer, one for the dashboard's
 * reads (latest values, history). WAL lets the reader read while the writer commits, so a history
 * request does not queue behind a batch of 2,500 readings or a maintainer pass on one thread.
 */
import { Worker } from 'node:worker_threads';
import { checkId, checkRangeQuery, checkReadings } from './inputChecks.ts';
import type { RollupStore } from './rollups.ts';
import type { SqliteWorkerData } from './sqliteProtocol.ts';
import { connectSqliteWorker } from './sqliteRpc.ts';

export interface SqliteStoreOptions {
  /** Path of the database file; created with its tables if missing. */
  readonly file: string;
}

/** Resolves once the file is open and its schema in place; rejects with CANOPY_STORE_OPEN otherwise. */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<RollupStore> {
  const rpc = await connectSqliteWorker(spawnWorker(options.file));
  // Opened second: the writer has created or migrated the schema, so the reader only reads it.
  const reader = await connectSqliteWorker(spawnWorker(options.file)).catch(async (err: unknown) => {
    await rpc.close();
    throw err;
  });
  return {
    async write(readings) {
      checkReadings(readings);
      if (readings.length > 0) await rpc.call({ op: 'write', readings });
    },
    async latest(greenhouses) {
      for (const g of greenhouses) checkId('greenhouse', g);
      return greenhouses.length === 0 ? [] : reader.call({ op: 'latest', greenhouses });
    },
    async range(query) {
      checkRangeQuery(query);
      return reader.call({ op: 'range', query });
    },
    async deleteGreenhouses(greenhouses) {
      for (const g of greenhouses) checkId('greenhouse', g);
      if (greenhouses.length > 0) await rpc.call({ op: 'deleteGreenhouses', greenhouses });
    },
    rollups: {
      aggregateRaw: (hours, stepMs) => rpc.call({ op: 'aggregateRaw', hours, stepMs }),
      aggregateLevel: (level, from, to, stepMs) => rpc.call({ op: 'aggregateLevel', level, from, to, stepMs }),
      writeRollups: async (level, rows) => {
        if (rows.length > 0) await rpc.call({ op: 'writeRollups', level, rows });
      },
      dirtyHours: (markedSince, within) => rpc.call({ op: 'dirtyHours', markedSince, ...(within ? { within } : {}) }),
      readCursor: async () => (await rpc.call({ op: 'readCursor' })) ?? undefined,
      writeCursor: async (cursor) => {
        await rpc.call({ op: 'writeCursor', cursor });
      },
      readBackfilledFrom: async () => (await rpc.call({ op: 'readBackfilledFrom' })) ?? undefined,
      writeBackfilledFrom: async (from) => {
        await rpc.call({ op: 'writeBackfilledFrom', from });
      },
      oldestRollup: async (level) => (await rpc.call({ op: 'oldestRollup', level })) ?? undefined,
      deleteBefore: (source, cutoff) => rpc.call({ op: 'deleteBefore', source, cutoff }),
    },
    close: async () => {
      await Promise.all([reader.close(), rpc.close()]);
    },
  };
}

/**
 * The worker is TypeScript, but on Node 20 tsx (4.23) hooks only the main thread: a worker fails
 * with ERR_UNKNOWN_FILE_EXTENSION even with an inherited or added `--import tsx`. So a one-line
 * bootstrap registers tsx inside the worker, then imports the worker module. execArgv is empty so
 * no loader is inherited on top of it; this works the same under `tsx` (npm start) and vitest.
 */
function spawnWorker(file: string): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sqliteWorker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, execArgv: [], workerData: { file } satisfies SqliteWorkerData });
}
