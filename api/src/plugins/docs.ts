/** OpenAPI description of every route, built from their TypeBox schemas: UI at /docs, JSON at /docs/json. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { SESSION_COOKIE } from '../auth/sessions.ts';

const docs: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Canopy API', version: '1', description: 'Monitoring and automation for greenhouse cooperatives.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          apiKey: { type: 'http', scheme: 'bearer', description: 'an API key, `cnp_…`' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
  });
  // The UI's own routes are public, like the dashboard's files; the data behind them is not.
  await app.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await ui.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // Over plain HTTP on a farm's LAN, upgrading the page's own requests to HTTPS would break it.
      transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
    });
  });
};

export const docsPlugin = fp(docs, { name: 'canopy-docs' });
