/** The API serves the built dashboard: precompressed assets, and index.html for deep links but not for API paths. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.ts';

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
});
