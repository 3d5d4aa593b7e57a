import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBuildId } from '../plugins/web.ts';
import { healthRoutes } from './health.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A dist dir as `vite build` leaves it, with build.json holding `buildJson` (none if undefined). */
function distDir(buildJson?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-dist-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.html'), '<div id="root"></div>');
  if (buildJson !== undefined) writeFileSync(join(dir, 'build.json'), buildJson);
  return dir;
}

function logger() {
  const warn = vi.fn();
  return { log: { warn } as unknown as FastifyBaseLogger, warn };
}

async function health(dir: string, log: FastifyBaseLogger) {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  await app.register(healthRoutes, { build: readBuildId(dir, log) });
  const res = await app.inject('/api/health');
  await app.close();
  return res;
}

describe('GET /api/health', () => {
  it("names the build of the dist dir's dashboard", async () => {
    const { log, warn } = logger();
    const res = await health(distDir('{"build":"mb2k1x-3f9a0c12"}'), log);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', build: 'mb2k1x-3f9a0c12' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('answers build null, quietly, when the dashboard was never built', async () => {
    const { log, warn } = logger();
    const res = await health(distDir(), log);
    expect(res.json()).toMatchObject({ status: 'ok', build: null });
    expect(warn).not.toHaveBeenCalled();
  });

  it.each([['{"build":'], ['null'], ['{"build":42}'], ['{"build":""}'], ['["x"]']])(
    'answers build null and warns, without failing, for build.json %s',
    async (body) => {
      const { log, warn } = logger();
      const res = await health(distDir(body), log);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', build: null });
      expect(warn).toHaveBeenCalledOnce();
    },
  );
});
