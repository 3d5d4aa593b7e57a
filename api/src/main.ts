/** Runs the API alone: `npm start -w @canopy/api`. */
import { createLogger, openData, runMain, runUntilSignal } from '@canopy/core/node';
import { webDistDir } from '@canopy/web';
import { loadConfig } from './config.ts';
import { createApiServer } from './server.ts';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const data = await openData(config.data, logger);
  const api = createApiServer(config, { ...data, logger, webDistDir });
  await runUntilSignal([data, api], logger);
});
