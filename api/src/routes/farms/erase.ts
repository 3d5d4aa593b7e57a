/**
 * Deleting a farm with everything Canopy holds about it — its greenhouses' readings and
 * rollups, then its greenhouses, zones, device assignments and memberships — for an erasure
 * request under Vietnam's personal-data decree (13/2023/NĐ-CP). Managers and admins only; the
 * member accounts stay (they may belong to other farms) and are removed with DELETE /api/users/:id.
 * Devices stay in the cooperative, unassigned, so they can be reused.
 */
import { listGreenhouses, StoreError } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ApiError } from '../../errors.ts';
import { ErrorBody, IdParams, protectedErrors } from '../schemas.ts';

export const farmEraseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta, store } = app.canopy;

  app.delete(
    '/api/farms/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), 501: ErrorBody, ...protectedErrors } } },
    async (req, reply) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'manage');
      const greenhouseIds = (await listGreenhouses(meta, { farmIds: [farm.id] })).map((g) => g.id);
      // Time series first: should the store refuse, the metadata still names what is left to delete.
      try {
        await store.deleteGreenhouses(greenhouseIds);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'CANOPY_STORE_DELETE_UNSUPPORTED') {
          throw new ApiError(501, err.code, `${err.message}; nothing was deleted`);
        }
        throw err;
      }
      const members = await meta.selectFrom('farm_members').select('user_id').where('farm_id', '=', farm.id).execute();
      // Cascades to greenhouses, zones, device assignments and memberships; devices become unassigned.
      await meta.deleteFrom('farms').where('id', '=', farm.id).execute();
      // The members' open live sockets leave the farm's rooms with their membership.
      for (const m of members) await app.liveSockets.reconcile({ userId: m.user_id });
      // Readings already in flight when the devices were still assigned may have landed meanwhile.
      await store.deleteGreenhouses(greenhouseIds);
      return reply.code(204).send(null);
    },
  );
};
