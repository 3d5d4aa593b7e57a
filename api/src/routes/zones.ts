/**
 * Zones of a greenhouse (beds, bays, rows): whoever may read the greenhouse lists them; managers
 * and admins create, rename and delete them. A zone outside the caller's rights answers 404 like
 * its greenhouse. Devices are placed in a zone with PATCH /api/devices/:id.
 */
import { isValidId } from '@canopy/core';
import { createZone, deleteZone, getZone, listZones, renameZone, ZoneError, type ZoneRecord } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Action } from '../auth/rules.ts';
import { ApiError, notFound } from '../errors.ts';
import { ErrorBody, IdParams, Name, protectedErrors } from './schemas.ts';

const Zone = Type.Object({
  id: Type.String(),
  greenhouseId: Type.String(),
  name: Type.String(),
  deviceIds: Type.Array(Type.String(), { description: 'devices placed in this zone' }),
});

const ZoneBody = Type.Object({ name: Name }, { additionalProperties: false });

const view = (zone: ZoneRecord) => ({ id: zone.id, greenhouseId: zone.greenhouseId, name: zone.name, deviceIds: zone.deviceIds });

function asApiError(err: unknown): unknown {
  if (!(err instanceof ZoneError)) return err;
  return new ApiError(err.code === 'CANOPY_ZONE_EXISTS' ? 409 : 400, err.code, err.message);
}

export const zoneRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  /** The zone, if the principal may do `action` on its greenhouse; 404 when it may not even read it. */
  async function authorizedZone(request: FastifyRequest, id: string, action: Action): Promise<ZoneRecord> {
    const zone = isValidId(id) ? await getZone(meta, id) : undefined;
    if (!zone) throw notFound('zone');
    try {
      await app.access.greenhouse(request.principal, zone.greenhouseId, action);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 404) throw notFound('zone');
      throw err;
    }
    return zone;
  }

  app.get(
    '/api/greenhouses/:id/zones',
    {
      schema: {
        description: 'The zones of a greenhouse, for whoever may read it (its farm’s farmers, the cooperative’s people, admins).',
        params: IdParams,
        response: { 200: Type.Object({ zones: Type.Array(Zone) }), ...protectedErrors },
      },
    },
    async (req) => {
      const greenhouse = await app.access.greenhouse(req.principal, req.params.id, 'read');
      return { zones: (await listZones(meta, { greenhouseId: greenhouse.id })).map(view) };
    },
  );

  app.post(
    '/api/greenhouses/:id/zones',
    {
      schema: {
        description: 'Adds a zone to a greenhouse (managers and admins). Names are unique within the greenhouse (409 CANOPY_ZONE_EXISTS).',
        params: IdParams,
        body: ZoneBody,
        response: { 201: Zone, 400: ErrorBody, 409: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const greenhouse = await app.access.greenhouse(req.principal, req.params.id, 'manage');
      try {
        return reply.code(201).send(view(await createZone(meta, { greenhouseId: greenhouse.id, name: req.body.name })));
      } catch (err) {
        throw asApiError(err);
      }
    },
  );

  app.get(
    '/api/zones/:id',
    {
      schema: {
        description: 'One zone, for whoever may read its greenhouse.',
        params: IdParams,
        response: { 200: Zone, ...protectedErrors },
      },
    },
    async (req) => view(await authorizedZone(req, req.params.id, 'read')),
  );

  app.patch(
    '/api/zones/:id',
    {
      schema: {
        description: 'Renames a zone (managers and admins).',
        params: IdParams,
        body: ZoneBody,
        response: { 200: Zone, 400: ErrorBody, 409: ErrorBody, ...protectedErrors },
      },
    },
    async (req) => {
      const zone = await authorizedZone(req, req.params.id, 'manage');
      try {
        await renameZone(meta, zone.id, req.body.name);
      } catch (err) {
        throw asApiError(err);
      }
      const renamed = await getZone(meta, zone.id);
      if (!renamed) throw notFound('zone');
      return view(renamed);
    },
  );

  app.delete(
    '/api/zones/:id',
    {
      schema: {
        description: 'Deletes a zone (managers and admins); its devices and actuators stay in the greenhouse, in no zone.',
        params: IdParams,
        response: { 204: Type.Null(), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const zone = await authorizedZone(req, req.params.id, 'manage');
      await deleteZone(meta, zone.id);
      return reply.code(204).send(null);
    },
  );
};
