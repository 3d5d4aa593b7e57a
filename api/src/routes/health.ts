import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** `build`: the dashboard build this process serves (plugins/web.ts, readBuildId), null if none. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ build: string | null }> = async (app, { build }) => {
  app.get(
    '/api/health',
    // Liveness only: public, and it says nothing about the data.
    {
      config: { public: true },
      schema: {
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), uptime_s: Type.Number(), build: Type.Union([Type.String(), Type.Null()]) }),
        },
      },
    },
    async () => ({ status: 'ok' as const, uptime_s: Math.round(process.uptime()), build }),
  );
};
