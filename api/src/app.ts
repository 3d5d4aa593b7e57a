/** Builds the API app without listening, so tests drive it with app.inject(). */
import type { Logger } from '@canopy/core/node';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import { type AppContext, contextPlugin } from './plugins/context.ts';
import { socketPlugin } from './plugins/socket.ts';
import { webPlugin } from './plugins/web.ts';
import { greenhouseRoutes } from './routes/greenhouses/index.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppOptions {
  readonly context: AppContext;
  readonly logger: Logger;
  readonly webDistDir: string;
}

export type CanopyApp = Awaited<ReturnType<typeof buildApp>>;

export async function buildApp(options: AppOptions) {
  // Per-request lines would drown the log at dashboard polling rates; errors are still logged.
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(contextPlugin, options.context);
  await app.register(socketPlugin);
  await app.register(healthRoutes);
  await app.register(greenhouseRoutes);
  await app.register(webPlugin, { distDir: options.webDistDir });
  return app;
}
