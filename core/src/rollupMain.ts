/**
 * Runs the rollup maintainer alone: `npm run rollups -w @canopy/core`. For deployments where
 * ingest and the API are separate processes: run exactly one of these per store (`npm start`
 * runs one in its single process).
 */
import { envString } from './config.ts';
import { loadDataConfig } from './dataConfig.ts';
import { runMain, runUntilSignal } from './lifecycle.ts';
import { createLogger } from './log.ts';
import { openTimeSeriesStore } from './openData.ts';
import { loadRollupConfig } from './store/rollupConfig.ts';
import { createRollupMaintainer } from './store/rollupMaintainer.ts';

runMain(async () => {
  const env = process.env;
  const dataConfig = loadDataConfig(env);
  const rollupConfig = loadRollupConfig(env);
  const logger = createLogger({ name: 'rollups', level: envString(env, 'LOG_LEVEL', 'info') });
  const store = await openTimeSeriesStore(dataConfig, logger);
  const closeStore = { start: async () => {}, stop: () => store.close() };
  await runUntilSignal([closeStore, createRollupMaintainer(store, rollupConfig, logger)], logger);
});
