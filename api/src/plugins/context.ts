/** Decorates the app with the shared stores and the live feed, typed for every route. */
import type { DeviceDirectory, MetaDb, TimeSeriesStore } from '@canopy/core/node';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { LiveFeed } from '../liveFeed.ts';

export interface AppContext {
  readonly store: TimeSeriesStore;
  readonly meta: MetaDb;
  readonly directory: DeviceDirectory;
  readonly live: LiveFeed;
}

declare module 'fastify' {
  interface FastifyInstance {
    canopy: AppContext;
  }
}

const context: FastifyPluginAsync<AppContext> = async (app, deps) => {
  app.decorate('canopy', deps);
};

export const contextPlugin = fp(context, { name: 'canopy-context' });
