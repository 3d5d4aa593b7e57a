/** Serves the built dashboard (public); unknown non-API paths get index.html so deep links work. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors.ts';

/**
 * The id `vite build` gave the dashboard in distDir (web/buildId.ts), read once at start-up: live
 * sockets and /api/health announce it so open tabs notice an upgrade. Null when the dashboard is not
 * built, or when build.json is unreadable: that only turns the check off, it must not stop the API.
 */
export function readBuildId(distDir: string, log: FastifyBaseLogger): string | null {
  const file = join(distDir, 'build.json');
  if (!existsSync(file)) return null;
  try {
    const { build } = JSON.parse(readFileSync(file, 'utf8')) as { build?: unknown };
    if (typeof build === 'string' && build !== '') return build;
    log.warn({ file }, 'build.json names no build: open dashboards will not reload after an upgrade');
  } catch (err) {
    log.warn({ err, file }, 'build.json unreadable: open dashboards will not reload after an upgrade');
  }
  return null;
}

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
