/**
 * The API serves the built dashboard: precompressed assets, and index.html for deep links but not
 * for API paths. API answers are compressed for clients that accept it, as a phone's browser does.
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyClient, type Stack, startStack } from '../helpers/stack.ts';

/** The raw bytes and encoding of an answer: fetch would decode them out of sight. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; encoding?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers['content-encoding'] ? { encoding: res.headers['content-encoding'] } : {}),
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('dashboard serving', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ store: 'sqlite' });
  });
  afterAll(() => stack?.stop());

  it('serves index.html for deep links, brotli-compressed when asked', async () => {
    const res = await fetch(`${stack.httpUrl}/greenhouses/gh-1?range=24h`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${stack.httpUrl}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.headers.get('content-encoding')).toBe('br');
    // Read it all: an unread body keeps the connection busy and delays the server's close.
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1_000);
  });

  it('answers unknown API paths with a coded JSON 404, not the page', async () => {
    const res = await fetch(`${stack.httpUrl}/api/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('CANOPY_NOT_FOUND');
  });

  it('compresses API answers for clients that accept it, and only those above 1 KB', async () => {
    const manager = await apiKeyClient(stack.httpUrl, 'manager');
    const from = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 24 * 3_600_000;
    // A day of minute readings: the size of answer a phone's chart asks for.
    await stack.data.store.write(
      Array.from({ length: 24 * 60 }, (_, i) => ({
        greenhouse: 'gh-1',
        device: 'gh1-climate',
        metric: 'air_temp_c',
        ts: from + i * 60_000,
        value: 20 + (i % 97) / 10,
      })),
    );
    const url = `${stack.httpUrl}/api/greenhouses/gh-1/history?metrics=air_temp_c&from=${from}&to=${from + 24 * 3_600_000}&stepMs=60000`;
    const plain = await rawGet(url, manager.headers);
    expect(plain.status).toBe(200);
    expect(plain.encoding).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(20_000);

    const gzip = await rawGet(url, { ...manager.headers, 'accept-encoding': 'gzip' });
    expect(gzip.encoding).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(plain.body.toString());
    expect(gzip.body.length).toBeLessThan(plain.body.length / 4);

    const br = await rawGet(url, { ...manager.headers, 'accept-encoding': 'gzip, deflate, br' });
    expect(br.encoding).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(plain.body.toString());

    // Not worth a compressor below the threshold.
    const small = await rawGet(`${stack.httpUrl}/api/health`, { 'accept-encoding': 'gzip, br' });
    expect(small.status).toBe(200);
    expect(small.encoding).toBeUndefined();
  });
});
