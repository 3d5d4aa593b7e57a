import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/health',
    // Liveness only: public, and it says nothing about the data.
    {
      config: { public: true },
      schema: { security: [], response: { 200: Type.Object({ status: Type.Literal('ok'), uptime_s: Type.Number() }) } },
    },
    async () => ({ status: 'ok' as const, uptime_s: Math.round(process.uptime()) }),
  );
};
