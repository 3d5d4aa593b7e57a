/**
 * Operator endpoints of the API: `/metrics` in Prometheus format and `/healthz`. Public, like
 * `/api/health`: they carry counts and timings, never farm data. The registry belongs to this
 * app (not prom-client's global one), so several apps in one process, as in tests, do not collide.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { LIVE_NAMESPACE } from './socket.ts';

export const metricsPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'canopy_api_' });
    const requestSeconds = new Histogram({
      name: 'canopy_api_http_request_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const liveMessages = new Counter({
      name: 'canopy_api_live_messages_total',
      help: 'Live reading messages received from ingest and fanned out to Socket.IO rooms',
      registers: [registry],
    });
    const liveLagSeconds = new Histogram({
      name: 'canopy_api_live_lag_seconds',
      help: 'Newest reading timestamp of a live message to its fan-out (end-to-end lag of the live view)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    new Gauge({
      name: 'canopy_api_live_sockets',
      help: 'Connected live-view sockets',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('io') ? app.io.of(LIVE_NAMESPACE).sockets.size : 0);
      },
    });

    const owner = {};
    app.canopy.live.bus.on('readings', owner, (message) => {
      liveMessages.inc();
      const newest = Math.max(...message.samples.map((s) => s.ts));
      if (Number.isFinite(newest)) liveLagSeconds.observe(Math.max(0, Date.now() - newest) / 1_000);
    });
    app.addHook('onClose', async () => app.canopy.live.bus.removeListeners(owner));
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would make a label per greenhouse.
      const route = request.routeOptions.url ?? 'unmatched';
      requestSeconds.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1_000);
    });

    const hidden = { hide: true, security: [] };
    app.get('/metrics', { config: { public: true }, schema: hidden }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
    app.get('/healthz', { config: { public: true }, schema: hidden }, async () => ({
      status: 'ok' as const,
      uptime_s: Math.round(process.uptime()),
    }));
  },
  { name: 'canopy-metrics', dependencies: ['canopy-context'] },
);
