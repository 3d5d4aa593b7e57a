/** The API as a service: live feed, app and listener, started and stopped together. */
import type { DeviceDirectory, Logger, MetaDb, Service, TimeSeriesStore } from '@canopy/core/node';
import { buildApp, type CanopyApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import { ensureFirstAdmin } from './firstAdmin.ts';
import { createLiveFeed } from './liveFeed.ts';

export interface ApiServerDeps {
  readonly meta: MetaDb;
  readonly store: TimeSeriesStore;
  readonly directory: DeviceDirectory;
  readonly logger: Logger;
  readonly webDistDir: string;
}

export interface ApiServer extends Service {
  /** Base URL once listening, e.g. http://127.0.0.1:8080 */
  url(): string;
}

export function createApiServer(config: ApiConfig, deps: ApiServerDeps): ApiServer {
  const live = createLiveFeed(
    { mqttUrl: config.mqttUrl, clientId: config.mqttClientId, credentials: config.mqttCredentials },
    deps.directory,
    deps.logger,
  );
  let app: CanopyApp | undefined;
  let baseUrl = '';
  return {
    async start() {
      const generated = await ensureFirstAdmin(deps.meta, config.admin);
      // Printed, not logged: shown once to the person starting Canopy, kept out of log files.
      if (generated !== undefined)
        console.log(`\nFirst admin created: ${config.admin.email}\n  password: ${generated}\n  (shown only now)\n`);
      await live.start();
      app = await buildApp({ context: { ...deps, live }, logger: deps.logger, webDistDir: deps.webDistDir, auth: config.auth });
      await app.listen({ port: config.httpPort, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.httpPort;
      baseUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    },
    async stop() {
      await app?.close();
      await live.stop();
    },
    url: () => baseUrl,
  };
}
