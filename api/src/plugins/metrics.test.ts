import { EventBus } from '@canopy/core/node';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { describe, expect, it } from 'vitest';
import type { LiveEvents } from '../liveFeed.ts';
import { metricsPlugin } from './metrics.ts';

/** Only what the metrics plugin reads of the app context: the live bus. */
async function appWithMetrics() {
  const bus = new EventBus<LiveEvents>();
  const app = Fastify();
  await app.register(
    fp(
      async (instance) => {
        instance.decorate('canopy', { live: { bus } } as never);
      },
      { name: 'canopy-context' },
    ),
  );
  await app.register(metricsPlugin);
  app.get('/api/things/:id', async () => ({ ok: true }));
  return { app, bus };
}

describe('metrics plugin', () => {
  it('serves Prometheus text with request timings by route pattern and the live lag', async () => {
    const { app, bus } = await appWithMetrics();
    await app.inject('/api/things/gh-1');
    bus.emit('readings', { greenhouse: 'gh-1', samples: [{ device: 'd', ts: Date.now() - 2_000, m: { ph: 6 } }] });
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('canopy_api_http_request_seconds_count{method="GET",route="/api/things/:id",status="200"} 1');
    expect(res.body).toContain('canopy_api_live_messages_total 1');
    expect(res.body).toMatch(/canopy_api_live_lag_seconds_bucket\{le="2.5"\} 1/);
    await app.close();
  });

  it('answers /healthz', async () => {
    const { app } = await appWithMetrics();
    const res = await app.inject('/healthz');
    expect(res.json()).toMatchObject({ status: 'ok' });
    await app.close();
  });
});
