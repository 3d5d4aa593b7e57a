/** Standalone entry: plays the demo cooperative's devices against a broker until SIGINT/SIGTERM. */
import { demoCooperative } from '@canopy/core';
import { createLogger, metaDbFile, openMetaDb, runMain, runUntilSignal, seedDemo } from '@canopy/core/node';
import { loadConfig } from './config.ts';
import { issueDemoCredentials } from './credentials.ts';
import { createSimulator } from './simulator.ts';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'firmware-sim', level: config.logLevel });
  if (config.devices === 0) {
    logger.info('SIM_DEVICES=0: simulator off');
    return;
  }
  const coop = demoCooperative(config.devices);
  const { devices } = coop;
  const meta = await openMetaDb({ file: metaDbFile(config.data) });
  // Registers the demo cooperative's devices (through the device registry) if this data dir lacks them.
  await seedDemo(meta, coop, { intervalS: Math.ceil(config.intervalMs / 1_000) });
  const credentials = await issueDemoCredentials(meta, devices);
  await meta.destroy();
  const simulator = createSimulator({
    mqttUrl: config.mqttUrl,
    devices,
    credentials,
    intervalMs: config.intervalMs,
    autoIrrigate: config.autoIrrigate,
    logger,
    ...(config.seed === undefined ? {} : { seed: config.seed }),
  });
  await runUntilSignal([simulator], logger);
});
