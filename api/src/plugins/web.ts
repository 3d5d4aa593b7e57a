/** Serves the built dashboard (public); unknown non-API paths get index.html so deep links work. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors.ts';

export const webPlugin: FastifyPluginAsync<{ distDir: string }> = async (app, { distDir }) => {
  const built = existsSync(join(distDir, 'index.html'));
  // The page and its scripts load without a session, so the login screen can show; the API does not.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
  if (built) await app.register(fastifyStatic, { root: distDir, wildcard: false, index: 'index.html', preCompressed: true });
  app.setNotFoundHandler(async (req, reply) => {
    if (req.method !== 'GET' || req.url.startsWith('/api/') || req.url.startsWith('/socket.io')) {
      throw new ApiError(404, 'CANOPY_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    }
    if (!built) throw new ApiError(503, 'CANOPY_WEB_NOT_BUILT', 'dashboard not built: run npm run build');
    return reply.sendFile('index.html');
  });
};
