/** Runs ingest alone: `npm start -w @canopy/ingest`. */
import { createLogger, openData, runMain, runUntilSignal } from '@canopy/core/node';
import { loadConfig } from './config.ts';
import { createIngest } from './ingest.ts';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'ingest', level: config.logLevel });
  const data = await openData(config.data, logger);
  await runUntilSignal([data, createIngest(config, { ...data, logger })], logger);
});
