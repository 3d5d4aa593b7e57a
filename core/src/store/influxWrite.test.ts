/**
 * The write path against the pitfalls of @influxdata/influxdb-client 1.35's WriteApi, which
 * Canopy does not use: a raw newline in a string value, Retry-After read as milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { createInfluxStore, StoreHttpError } from './influxStore.ts';
import { StoreError } from './timeSeriesStore.ts';

function recordingFetch(answers: Response[]) {
  const bodies: string[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    bodies.push(await request.text());
    return answers.shift() ?? new Response(null, { status: 204 });
  }) as typeof fetch;
  return { fetch: fetchImpl, bodies };
}

const created = () => new Response('{"results":[{"statement_id":0}]}', { status: 200 });
const reading = { device: 'gh1-climate', greenhouse: 'gh-1', metric: 'air_temp_c', ts: 1_700_000_000_000, value: 20 };

describe('InfluxDB write path', () => {
  it.each([
    ['device', { device: 'gh1\ntelemetry,device=x air_temp_c=99 1' }],
    ['greenhouse', { greenhouse: 'gh-1\n' }],
    ['metric', { metric: 'air_temp_c\nph' }],
    ['tag with a space or comma', { device: 'gh 1,x=y' }],
  ])('never lets a %s with a newline or separator into the body', async (_, bad) => {
    const { fetch, bodies } = recordingFetch([created()]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    const err = await store.write([{ ...reading, ...bad }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('CANOPY_STORE_INVALID');
    // Only the CREATE DATABASE went out.
    expect(bodies).toHaveLength(1);
  });

  it('sends one line per point, with no string fields at all', async () => {
    const { fetch, bodies } = recordingFetch([created()]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    await store.write([reading, { ...reading, metric: 'rh_pct', value: 61.5 }, { ...reading, ts: reading.ts + 1 }]);
    const body = bodies[1] ?? '';
    const telemetry = body.split('\n').filter((line) => line.startsWith('telemetry,'));
    expect(telemetry).toHaveLength(2);
    expect(body).not.toContain('"');
  });

  it('reports Retry-After in seconds, as InfluxDB sends it, with the full body of a partial write', async () => {
    const throttled = new Response('{"error":"slow down"}', { status: 503, headers: { 'Retry-After': '30' } });
    const partial = new Response(`{"error":"partial write: ${'x'.repeat(300)} dropped=4"}`, { status: 400 });
    const { fetch } = recordingFetch([created(), throttled, partial]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    const first = await store.write([reading]).catch((e: unknown) => e);
    expect(first).toMatchObject({ status: 503, retryAfterSec: 30 });
    const second = await store.write([reading]).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(StoreHttpError);
    // The message is clipped for logs; the body keeps the dropped count at its end.
    expect((second as StoreHttpError).body).toContain('dropped=4');
  });
});
