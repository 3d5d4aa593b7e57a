/** Builds the API app without listening, so tests drive it with app.inject(). */
import type { Logger } from '@canopy/core/node';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { AuthConfig } from './config.ts';
import { authPlugin } from './plugins/auth.ts';
import { compressionPlugin } from './plugins/compression.ts';
import { type AppContext, contextPlugin } from './plugins/context.ts';
import { docsPlugin } from './plugins/docs.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { securityPlugin } from './plugins/security.ts';
import { socketPlugin } from './plugins/socket.ts';
import { readBuildId, webPlugin } from './plugins/web.ts';
import { apiKeyRoutes } from './routes/apiKeys.ts';
import { authRoutes } from './routes/auth.ts';
import { cooperativeRoutes } from './routes/cooperatives.ts';
import { deviceRoutes } from './routes/devices/index.ts';
import { farmRoutes } from './routes/farms/index.ts';
import { greenhouseRoutes } from './routes/greenhouses/index.ts';
import { greenhouseManagementRoutes } from './routes/greenhouses/manage.ts';
import { healthRoutes } from './routes/health.ts';
import { userRoutes } from './routes/users.ts';
import { zoneRoutes } from './routes/zones.ts';

export interface AppOptions {
  readonly context: AppContext;
  readonly logger: Logger;
  readonly webDistDir: string;
  readonly auth: AuthConfig;
}

export type CanopyApp = Awaited<ReturnType<typeof buildApp>>;

export async function buildApp(options: AppOptions) {
  // Per-request lines would drown the log at dashboard polling rates; errors are still logged.
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Refuse unknown fields (400) rather than drop them silently, and never turn a string into an array.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(contextPlugin, options.context);
  await app.register(securityPlugin, { rateLimitPerMin: options.auth.rateLimitPerMin, https: options.auth.cookieSecure });
  await app.register(compressionPlugin);
  // Before any route, so that every route is described.
  await app.register(docsPlugin);
  await app.register(authPlugin, options.auth);
  const build = readBuildId(options.webDistDir, app.log);
  await app.register(socketPlugin, { build });
  await app.register(metricsPlugin);
  await app.register(healthRoutes, { build });
  await app.register(authRoutes);
  await app.register(apiKeyRoutes);
  await app.register(userRoutes);
  await app.register(cooperativeRoutes);
  await app.register(farmRoutes);
  await app.register(greenhouseRoutes);
  await app.register(greenhouseManagementRoutes);
  await app.register(zoneRoutes);
  await app.register(deviceRoutes);
  await app.register(webPlugin, { distDir: options.webDistDir });
  return app;
}
