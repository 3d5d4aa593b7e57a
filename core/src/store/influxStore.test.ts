/** Request building and error mapping of the Influx store against a scripted fetch; the contract suite covers a real server. */
import { describe, expect, it } from 'vitest';
import { createInfluxStore, StoreHttpError } from './influxStore.ts';
import { StoreError } from './timeSeriesStore.ts';

type Answer = Response | Error;

/** A fetch that records requests and plays back answers in order (the first answers CREATE DATABASE). */
function scriptedFetch(answers: Answer[]) {
  const requests: Request[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
const created = () => ok({ results: [{ statement_id: 0 }] });
const reading = { device: 'gh1-climate', greenhouse: 'gh-1', metric: 'air_temp_c', ts: 1_000, value: 20 };

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StoreError)) throw new Error(`expected a StoreError, got ${String(err)}`);
  return err;
}

describe('createInfluxStore', () => {
  it('creates the database by POST with the token, under a path prefix', async () => {
    const { fetch, requests } = scriptedFetch([created()]);
    await createInfluxStore({ url: 'http://influx.local:8086/proxy', database: 'canopy', token: 's3cret', fetch });
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(new URL(request?.url ?? '').pathname).toBe('/proxy/query');
    expect(request?.headers.get('authorization')).toBe('Token s3cret');
    expect(new URLSearchParams(await request?.text()).get('q')).toBe('CREATE DATABASE "canopy"');
  });

  it('logs and ignores a refused CREATE DATABASE (2.x, 3.x)', async () => {
    const warnings: string[] = [];
    const refused = new Response('{"error":"read-only"}', { status: 403 });
    const { fetch } = scriptedFetch([refused]);
    const store = await createInfluxStore({
      url: 'http://x',
      database: 'canopy',
      fetch,
      logger: { warn: (_, message) => warnings.push(message) },
    });
    expect(warnings).toHaveLength(1);
    await store.close();
  });

  it('fails to start when the server cannot be reached', async () => {
    const { fetch } = scriptedFetch([new TypeError('fetch failed')]);
    const err = await rejection(createInfluxStore({ url: 'http://x', database: 'canopy', fetch }));
    expect(err.code).toBe('CANOPY_STORE_UNREACHABLE');
    expect(err.cause).toBeInstanceOf(TypeError);
  });
});

describe('InfluxDB store write', () => {
  it('posts line protocol to /write with db and ms precision', async () => {
    const { fetch, requests } = scriptedFetch([created(), new Response(null, { status: 204 })]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    await store.write([reading]);
    const request = requests[1];
    const url = new URL(request?.url ?? '');
    expect([request?.method, url.pathname, url.searchParams.get('db'), url.searchParams.get('precision')]).toEqual([
      'POST',
      '/write',
      'canopy',
      'ms',
    ]);
    // The hour's dirty mark (for rollups) travels in the same request, ahead of the data.
    expect(await request?.text()).toMatch(
      /^rollup_dirty marked_at=\d+i 0\ntelemetry,device=gh1-climate,greenhouse=gh-1 air_temp_c=20 1000$/,
    );
  });

  it('carries status and Retry-After of a refused write', async () => {
    const throttled = new Response('{"error":"too many requests"}', { status: 429, headers: { 'Retry-After': '17' } });
    const { fetch } = scriptedFetch([created(), throttled]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    const err = await rejection(store.write([reading]));
    expect(err).toBeInstanceOf(StoreHttpError);
    expect(err).toMatchObject({ code: 'CANOPY_STORE_WRITE', status: 429, retryAfterSec: 17 });
    expect(err.message).toContain('too many requests');
  });

  it('wraps network errors and keeps the cause', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch } = scriptedFetch([created(), cause]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    const err = await rejection(store.write([reading]));
    expect(err.code).toBe('CANOPY_STORE_UNREACHABLE');
    expect(err.cause).toBe(cause);
  });

  it('sends nothing for an empty batch or a batch with one invalid reading', async () => {
    const { fetch, requests } = scriptedFetch([created()]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    await store.write([]);
    const err = await rejection(store.write([reading, { ...reading, value: Number.NaN }]));
    expect(err.code).toBe('CANOPY_STORE_INVALID');
    expect(requests).toHaveLength(1);
  });
});

describe('InfluxDB store reads', () => {
  it('answers latest([]) without a request', async () => {
    const { fetch, requests } = scriptedFetch([created()]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    expect(await store.latest([])).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('reads field keys, then last() per field by GET with epoch=ms', async () => {
    const keys = ok({ results: [{ series: [{ columns: ['fieldKey', 'fieldType'], values: [['air_temp_c', 'float']] }] }] });
    const last = ok({
      results: [{ series: [{ tags: { device: 'd', greenhouse: 'gh-1' }, columns: ['time', 'last'], values: [[5, 21]] }] }],
    });
    const { fetch, requests } = scriptedFetch([created(), keys, last]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    expect(await store.latest(['gh-1'])).toEqual([{ greenhouse: 'gh-1', device: 'd', metric: 'air_temp_c', ts: 5, value: 21 }]);
    const url = new URL(requests[2]?.url ?? '');
    expect([requests[2]?.method, url.searchParams.get('epoch'), url.searchParams.get('db')]).toEqual(['GET', 'ms', 'canopy']);
    expect(url.searchParams.get('q')).toContain(`last("air_temp_c")`);
  });

  it('turns a statement error into a coded query error', async () => {
    const { fetch } = scriptedFetch([created(), ok({ results: [{ statement_id: 0, error: 'database not found: canopy' }] })]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    const err = await rejection(store.range({ greenhouse: 'gh-1', metrics: ['ph'], from: 0, to: 10, stepMs: 5, byDevice: false }));
    expect(err.code).toBe('CANOPY_STORE_QUERY');
    expect(err.message).toContain('database not found');
  });

  it('fails every call after close', async () => {
    const { fetch } = scriptedFetch([created()]);
    const store = await createInfluxStore({ url: 'http://x', database: 'canopy', fetch });
    await store.close();
    expect((await rejection(store.latest(['gh-1']))).code).toBe('CANOPY_STORE_CLOSED');
    expect((await rejection(store.write([reading]))).code).toBe('CANOPY_STORE_CLOSED');
  });
});
