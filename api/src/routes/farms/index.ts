/** Farms of a cooperative: list what one may read, create, rename, add greenhouses, members, export, delete. */
import { randomUUID } from 'node:crypto';
import type { MetaDb } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Principal } from '../../auth/principal.ts';
import { badRequest } from '../../errors.ts';
import { ErrorBody, IdParams, Name, protectedErrors } from '../schemas.ts';
import { farmEraseRoutes } from './erase.ts';
import { farmExportRoutes } from './export.ts';
import { farmMemberRoutes } from './members.ts';

const Farm = Type.Object({
  id: Type.String(),
  cooperativeId: Type.String(),
  name: Type.String(),
  greenhouseIds: Type.Array(Type.String()),
});

async function listFarms(db: MetaDb, principal: Principal, ids?: readonly string[]) {
  let query = db.selectFrom('farms').select(['id', 'cooperative_id', 'name']).orderBy('name').orderBy('id');
  if (principal.role !== 'admin') query = query.where('cooperative_id', '=', principal.cooperativeId);
  if (principal.role === 'farmer') query = query.where('id', 'in', principal.farmIds.length > 0 ? principal.farmIds : ['']);
  if (ids !== undefined) query = query.where('id', 'in', ids);
  const farms = await query.execute();
  const greenhouses = await db.selectFrom('greenhouses').select(['id', 'farm_id']).orderBy('id').execute();
  return farms.map((f) => ({
    id: f.id,
    cooperativeId: f.cooperative_id,
    name: f.name,
    greenhouseIds: greenhouses.filter((g) => g.farm_id === f.id).map((g) => g.id),
  }));
}

export const farmRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  app.get('/api/farms', { schema: { response: { 200: Type.Object({ farms: Type.Array(Farm) }), 401: ErrorBody } } }, async (req) => ({
    farms: await listFarms(meta, req.principal),
  }));

  app.post(
    '/api/farms',
    {
      schema: {
        body: Type.Object({ name: Name, cooperativeId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 201: Farm, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const cooperativeId = req.body.cooperativeId ?? req.principal.cooperativeId;
      if (cooperativeId === null) throw badRequest('CANOPY_BAD_FARM', 'give cooperativeId');
      await app.access.cooperative(req.principal, cooperativeId, 'manage');
      const id = `farm-${randomUUID()}`;
      await meta
        .insertInto('farms')
        .values({ id, cooperative_id: cooperativeId, name: req.body.name.trim(), created_at: Date.now() })
        .execute();
      return reply.code(201).send({ id, cooperativeId, name: req.body.name.trim(), greenhouseIds: [] });
    },
  );

  app.patch(
    '/api/farms/:id',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: Farm, ...protectedErrors },
      },
    },
    async (req) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'manage');
      await meta.updateTable('farms').set({ name: req.body.name.trim() }).where('id', '=', farm.id).execute();
      const [updated] = await listFarms(meta, req.principal, [farm.id]);
      return updated ?? { ...farm, name: req.body.name.trim(), greenhouseIds: [] };
    },
  );

  app.post(
    '/api/farms/:id/greenhouses',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          {
            name: Name,
            areaM2: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
            structure: Type.Optional(Type.String({ maxLength: 120 })),
            location: Type.Optional(Type.String({ maxLength: 300 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'manage');
      const id = `gh-${randomUUID()}`;
      await meta
        .insertInto('greenhouses')
        .values({
          id,
          cooperative_id: farm.cooperativeId,
          farm_id: farm.id,
          name: req.body.name.trim(),
          area_m2: req.body.areaM2 ?? null,
          structure: req.body.structure ?? null,
          location: req.body.location ?? null,
          created_at: Date.now(),
        })
        .execute();
      return reply.code(201).send({ id });
    },
  );

  await app.register(farmExportRoutes);
  await app.register(farmEraseRoutes);
  await app.register(farmMemberRoutes);
};
