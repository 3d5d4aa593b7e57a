/**
 * `npm start`: the whole product in one process — broker, ingest, API with the dashboard, and
 * the simulator playing a demo cooperative. The composition root: every service is built from
 * its own config here and nowhere reads the environment behind our back.
 */
import { createApiServer, loadConfig as loadApiConfig } from '@canopy/api';
import { createBroker, loadConfig as loadBrokerConfig } from '@canopy/broker';
import { demoCooperative } from '@canopy/core';
import {
  createLogger,
  createRollupMaintainer,
  envString,
  loadRollupConfig,
  openData,
  runMain,
  runUntilSignal,
  seedDemo,
  seedDemoUsers,
} from '@canopy/core/node';
import { createSimulator, issueDemoCredentials, loadConfig as loadSimConfig } from '@canopy/firmware-sim';
import { createIngest, loadConfig as loadIngestConfig } from '@canopy/ingest';
import { webDistDir } from '@canopy/web';

runMain(async () => {
  const env = process.env;
  const brokerConfig = loadBrokerConfig(env);
  // One process, one HTTP port: ingest's own /metrics listener is for ingest run alone.
  const ingestConfig = loadIngestConfig({ INGEST_HTTP_PORT: '0', ...env });
  const apiConfig = loadApiConfig(env);
  const simConfig = loadSimConfig(env);
  const rollupConfig = loadRollupConfig(env);
  // Quiet by default: a person running the demo wants the URL, not a JSON log stream.
  const logger = createLogger({ name: 'canopy', level: envString(env, 'LOG_LEVEL', 'warn') });
  const child = (service: string) => logger.child({ service });

  const data = await openData(ingestConfig.data, child('data'));
  const coop = simConfig.devices > 0 ? demoCooperative(simConfig.devices) : undefined;
  if (coop) await seedDemo(data.meta, coop, { intervalS: Math.ceil(simConfig.intervalMs / 1_000) });
  // Demo users of each role (passwords in the README); only with the demo, so a real deployment has none.
  const demoLogins = coop ? await seedDemoUsers(data.meta, coop) : [];
  // The simulated devices authenticate like real ones, with secrets from the device registry.
  const credentials = coop ? await issueDemoCredentials(data.meta, coop.devices) : undefined;

  const broker = createBroker(brokerConfig, child('broker'));
  const ingest = createIngest(ingestConfig, { ...data, logger: child('ingest') });
  const api = createApiServer(apiConfig, { ...data, logger: child('api'), webDistDir });
  const rollups = createRollupMaintainer(data.store, rollupConfig, child('rollups'));
  const simulator = coop
    ? [
        createSimulator({
          mqttUrl: simConfig.mqttUrl,
          devices: coop.devices,
          intervalMs: simConfig.intervalMs,
          seed: simConfig.seed,
          credentials,
          logger: child('sim'),
        }),
      ]
    : [];
  const banner = {
    async start() {
      const url = api.url().replace('127.0.0.1', 'localhost');
      console.log(`\nCanopy is running.\n  Dashboard: ${url}\n  MQTT:      mqtt://localhost:${broker.port()}`);
      console.log(coop ? `  Demo:      ${coop.name}, ${coop.devices.length} simulated devices` : '  Simulator: off');
      for (const u of demoLogins) console.log(`  Demo login (${u.role}): ${u.email} / ${u.password}`);
      console.log('');
      console.log('Press Ctrl-C to stop.');
    },
    async stop() {},
  };
  // Stopped in reverse: the simulator first, ingest flushes to the store, the store closes last.
  await runUntilSignal([data, broker, ingest, rollups, api, ...simulator, banner], logger);
});
