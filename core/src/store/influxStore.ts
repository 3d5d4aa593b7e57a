/**
 * TimeSeriesStore on InfluxDB through the v1 `/write` and `/query` endpoints, so one code path
 * serves 1.x natively and 2.x, 3.x and Cloud through their compatibility APIs. The store does
 * not buffer or retry: each `write` is one POST, and failures carry what a retry layer needs.
 */

import { assembleSeries, planRange } from './historyPlan.ts';
import { createInfluxHttp, type InfluxHttpOptions } from './influxHttp.ts';
import { toLineProtocol } from './influxLineProtocol.ts';
import { createDatabaseQuery, fieldKeysQuery, joinStatements, latestStatements } from './influxQl.ts';
import { toFieldKeys, toLatestValues } from './influxResponse.ts';
import { dropGreenhouseStatements } from './influxRollupQl.ts';
import { createInfluxRollups } from './influxRollups.ts';
import { checkId, checkRangeQuery, checkReadings } from './inputChecks.ts';
import type { RollupStore } from './rollups.ts';
import { StoreError } from './timeSeriesStore.ts';

export { StoreHttpError } from './influxHttp.ts';

/** Satisfied by a pino logger. */
export interface StoreLogger {
  warn(fields: object, message: string): void;
}

export interface InfluxStoreOptions extends InfluxHttpOptions {
  readonly logger?: StoreLogger;
}

/**
 * Resolves once the database has been asked for (`CREATE DATABASE`, which only 1.x honours: 2.x
 * answers that its v1 /query is read-only and 3.x creates databases on first write, so a refusal
 * is logged and ignored). Rejects with CANOPY_STORE_UNREACHABLE when the server cannot be reached.
 */
export async function createInfluxStore(options: InfluxStoreOptions): Promise<RollupStore> {
  if (options.database === '') throw new StoreError('CANOPY_STORE_INVALID', 'the InfluxDB database name is empty');
  const http = createInfluxHttp(options);
  try {
    await http.exec(createDatabaseQuery(options.database));
  } catch (err) {
    if (err instanceof StoreError && err.code === 'CANOPY_STORE_UNREACHABLE') throw err;
    options.logger?.warn(
      { err, database: options.database },
      'CREATE DATABASE refused; assuming the database exists or is created on write',
    );
  }

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new StoreError('CANOPY_STORE_CLOSED', 'the InfluxDB store is closed');
  };
  const rollups = createInfluxRollups(http, ensureOpen);

  return {
    async write(readings) {
      ensureOpen();
      checkReadings(readings);
      // Dirty marks first, in the same request: data is never stored without its hour marked for rollup.
      if (readings.length > 0) await http.write([rollups.dirtyMarksOf(readings), ...toLineProtocol(readings)]);
    },

    async latest(greenhouses) {
      ensureOpen();
      for (const g of greenhouses) checkId('greenhouse', g);
      if (greenhouses.length === 0) return [];
      const fields = toFieldKeys((await http.read(fieldKeysQuery()))[0]);
      if (fields.length === 0) return [];
      const queries = joinStatements(latestStatements(fields, [...new Set(greenhouses)]));
      const results = (await Promise.all(queries.map((q) => http.read(q)))).flat();
      return toLatestValues(results, fields);
    },

    async range(query) {
      ensureOpen();
      checkRangeQuery(query);
      const metrics = [...new Set(query.metrics)];
      if (metrics.length === 0 || query.from >= query.to) return [];
      const plan = planRange(query);
      const state = plan.interior
        ? await rollups.rollupState(plan.interior.from, plan.interior.to)
        : { dirtyHours: [], backfilledFrom: undefined };
      const rows = await rollups.pieces(plan.pieces(state), query.greenhouse, metrics, query.byDevice);
      return assembleSeries(query, plan, rows);
    },

    async deleteGreenhouses(greenhouses) {
      ensureOpen();
      for (const g of greenhouses) checkId('greenhouse', g);
      if (greenhouses.length === 0) return;
      try {
        for (const statement of dropGreenhouseStatements([...new Set(greenhouses)])) await http.exec(statement);
      } catch (err) {
        // 2.x answers that its v1 /query is read-only, 3.x has no DROP: deleting there takes the server's own API.
        if (err instanceof StoreError && err.code === 'CANOPY_STORE_QUERY') {
          throw new StoreError('CANOPY_STORE_DELETE_UNSUPPORTED', 'this InfluxDB refuses deletes over its v1 API', { cause: err });
        }
        throw err;
      }
    },

    rollups,

    async close() {
      closed = true;
    },
  };
}
