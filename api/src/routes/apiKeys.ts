/** API keys for integrations: create (the key is shown once), list, revoke (effective at once). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { forbidden } from '../auth/access.ts';
import { createApiKey, findApiKey, listApiKeys, revokeApiKey } from '../auth/apiKeys.ts';
import { notFound } from '../errors.ts';
import { ErrorBody, IdParams, Name, protectedErrors } from './schemas.ts';

const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  userId: Type.String(),
  createdAt: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  app.get('/api/api-keys', { schema: { response: { 200: Type.Object({ keys: Type.Array(ApiKey) }), 401: ErrorBody } } }, async (req) => ({
    keys: await listApiKeys(meta, req.principal),
  }));

  app.post(
    '/api/api-keys',
    {
      schema: {
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: Type.Object({ key: Type.String({ description: 'shown only now' }), apiKey: ApiKey }), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const principal = req.principal;
      // A leaked key must not be able to mint more keys that outlive its revocation.
      if (principal.kind === 'apiKey') throw forbidden('API key', 'manage');
      const { info, key } = await createApiKey(meta, { userId: principal.userId, cooperativeId: principal.cooperativeId }, req.body.name);
      return reply.code(201).send({ key, apiKey: info });
    },
  );

  app.delete(
    '/api/api-keys/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...protectedErrors } } },
    async (req, reply) => {
      const key = await findApiKey(meta, req.principal, req.params.id);
      if (!key) throw notFound('API key');
      const hash = await revokeApiKey(meta, key.id);
      if (hash) await app.liveSockets.reconcile({ credentialHash: hash });
      return reply.code(204).send(null);
    },
  );
};
