/**
 * Opens what a service needs to read or write data: metadata (migrated), the time-series
 * store chosen by config, and the device directory. Ingest and the API both start here.
 */
import { type DataConfig, metaDbFile, timeSeriesDbFile } from './dataConfig.ts';
import type { Service } from './lifecycle.ts';
import type { Logger } from './log.ts';
import { type MetaDb, openMetaDb } from './meta/database.ts';
import { createDeviceDirectory, type DeviceDirectory } from './meta/directory.ts';
import { createInfluxStore } from './store/influxStore.ts';
import type { RollupStore } from './store/rollups.ts';
import { createSqliteStore } from './store/sqliteStore.ts';

export interface DataResources extends Service {
  readonly meta: MetaDb;
  readonly store: RollupStore;
  readonly directory: DeviceDirectory;
}

const DIRECTORY_TTL_MS = 5_000;

export async function openTimeSeriesStore(config: DataConfig, logger: Logger): Promise<RollupStore> {
  if (!config.influx) return createSqliteStore({ file: timeSeriesDbFile(config) });
  return createInfluxStore({ ...config.influx, logger });
}

export async function openData(config: DataConfig, logger: Logger): Promise<DataResources> {
  const meta = await openMetaDb({ file: metaDbFile(config) });
  const store = await openTimeSeriesStore(config, logger);
  const directory = createDeviceDirectory(meta, { ttlMs: DIRECTORY_TTL_MS });
  logger.info(
    {
      store: config.influx ? `influxdb ${config.influx.url.origin}/${config.influx.database}` : 'embedded sqlite',
      dataDir: config.dataDir,
    },
    'data opened',
  );
  return {
    meta,
    store,
    directory,
    async start() {},
    async stop() {
      directory.close();
      await store.close();
      await meta.destroy();
    },
  };
}
