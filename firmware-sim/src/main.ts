/** Standalone entry: plays the demo cooperative's devices against a broker until SIGINT/SIGTERM. */
import { demoCooperative } from '@canopy/core';
import { createLogger, runMain, runUntilSignal } from '@canopy/core/node';
import { loadConfig } from './config.ts';
import { createSimulator } from './simulator.ts';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'firmware-sim', level: config.logLevel });
  if (config.devices === 0) {
    logger.info('SIM_DEVICES=0: simulator off');
    return;
  }
  const simulator = createSimulator({
    mqttUrl: config.mqttUrl,
    devices: demoCooperative(config.devices).devices,
    intervalMs: config.intervalMs,
    autoIrrigate: config.autoIrrigate,
    logger,
    ...(config.seed === undefined ? {} : { seed: config.seed }),
  });
  await runUntilSignal([simulator], logger);
});
