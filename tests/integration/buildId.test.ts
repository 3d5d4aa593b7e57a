/**
 * The API names the dashboard build it serves (dist/build.json, written by `vite build`) in
 * /api/health and in the `hello` each live connection gets, reconnections included: that is how an
 * open tab notices an upgrade. Needs `npm run build`, as the e2e tests do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webDistDir } from '@canopy/web';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, type Stack, startStack } from '../helpers/stack.ts';

describe('build id', () => {
  let stack: Stack;
  let socket: Socket | undefined;
  const built = (JSON.parse(readFileSync(join(webDistDir, 'build.json'), 'utf8')) as { build: string }).build;

  beforeAll(async () => {
    stack = await startStack({ store: 'sqlite' });
  });
  afterAll(async () => {
    socket?.close();
    await stack?.stop();
  });

  it('is in /api/health', async () => {
    const res = await fetch(`${stack.httpUrl}/api/health`);
    expect(((await res.json()) as { build: unknown }).build).toBe(built);
  });

  it('greets every live connection, and every reconnection, with hello', async () => {
    const farmer = await login(stack.httpUrl, 'farmer1');
    const s = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnection: false, extraHeaders: { ...farmer.headers } });
    socket = s;
    const hello = () => new Promise<unknown>((resolve) => s.once('hello', resolve));
    expect(await hello()).toEqual({ build: built });
    s.disconnect();
    const again = hello();
    s.connect();
    expect(await again).toEqual({ build: built });
  });
});
