/**
 * Who farms a farm: list its members, add a farmer of the cooperative, remove one. Managers and
 * admins change memberships; whoever may read the farm sees its members' names (phone numbers
 * and emails stay in GET /api/users and the farm export). The farmer's open live sockets follow
 * at once: removed from a farm, it leaves that farm's greenhouse rooms.
 */
import { isValidId } from '@canopy/core';
import { addFarmMember, getUser, listUsers, removeFarmMember, UserError } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { badRequest, notFound } from '../../errors.ts';
import { ErrorBody, IdParams, protectedErrors, RoleSchema } from '../schemas.ts';

const MemberParams = Type.Object({ id: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) });

const Member = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema });

export const farmMemberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  app.get(
    '/api/farms/:id/members',
    {
      schema: {
        description: 'The farmers of a farm (id, name and role), for whoever may read the farm.',
        params: IdParams,
        response: { 200: Type.Object({ members: Type.Array(Member) }), ...protectedErrors },
      },
    },
    async (req) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'read');
      const rows = await meta.selectFrom('farm_members').select('user_id').where('farm_id', '=', farm.id).execute();
      const users = await listUsers(meta, { ids: rows.map((r) => r.user_id) });
      return { members: users.map((u) => ({ id: u.id, name: u.name, role: u.role })) };
    },
  );

  /** A user of the farm's cooperative, or 404: another cooperative's people are not confirmed. */
  async function userOfCooperative(cooperativeId: string, userId: string) {
    const user = isValidId(userId) ? await getUser(meta, userId) : undefined;
    if (!user || user.cooperativeId !== cooperativeId) throw notFound('user');
    return user;
  }

  app.put(
    '/api/farms/:id/members/:userId',
    {
      schema: {
        description:
          'Makes a farmer of the cooperative a member of the farm (managers and admins; idempotent). Only farmers are members (400 CANOPY_BAD_MEMBER).',
        params: MemberParams,
        response: { 204: Type.Null(), 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'manage');
      const user = await userOfCooperative(farm.cooperativeId, req.params.userId);
      try {
        await addFarmMember(meta, farm.id, user.id);
      } catch (err) {
        if (err instanceof UserError) throw badRequest(err.code, err.message);
        throw err;
      }
      await app.liveSockets.reconcile({ userId: user.id });
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/farms/:id/members/:userId',
    {
      schema: {
        description:
          'Removes a farmer from the farm (managers and admins). Its open live sockets leave the farm’s greenhouse rooms at once.',
        params: MemberParams,
        response: { 204: Type.Null(), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'manage');
      const user = await userOfCooperative(farm.cooperativeId, req.params.userId);
      if (!(await removeFarmMember(meta, farm.id, user.id))) throw notFound('membership');
      await app.liveSockets.reconcile({ userId: user.id });
      return reply.code(204).send(null);
    },
  );
};
