/** Runs the broker alone: `npm start -w @canopy/broker`. */
import { createLogger, runMain, runUntilSignal } from '@canopy/core/node';
import { createBroker } from './broker.ts';
import { loadConfig } from './config.ts';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'broker', level: config.logLevel });
  await runUntilSignal([createBroker(config, logger)], logger);
});
