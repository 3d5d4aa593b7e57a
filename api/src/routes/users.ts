/**
 * People of a cooperative. Admins manage everyone; a coop manager the non-admin users of its
 * cooperative; an extension officer may list them; a farmer sees only itself (GET /api/auth/me).
 */
import { createUser, type MetaDb } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { forbidden } from '../auth/access.ts';
import type { Principal } from '../auth/principal.ts';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { ErrorBody, IdParams, Name, protectedErrors, RoleSchema } from './schemas.ts';

const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  cooperativeId: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  farmIds: Type.Array(Type.String()),
});

const NewUser = Type.Object(
  {
    name: Name,
    role: RoleSchema,
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 .-]{6,20}$' })),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    cooperativeId: Type.Optional(Type.String({ maxLength: 64, description: 'admins only; default the creator’s' })),
    farmIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

async function listUsers(db: MetaDb, cooperativeId: string | null) {
  let query = db.selectFrom('users').select(['id', 'name', 'role', 'cooperative_id', 'email', 'phone']).orderBy('name').orderBy('id');
  if (cooperativeId !== null) query = query.where('cooperative_id', '=', cooperativeId);
  const rows = await query.execute();
  const members = await db.selectFrom('farm_members').select(['user_id', 'farm_id']).orderBy('farm_id').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    cooperativeId: r.cooperative_id,
    email: r.email,
    phone: r.phone,
    farmIds: members.filter((m) => m.user_id === r.id).map((m) => m.farm_id),
  }));
}

/** The users a principal may see: all for an admin, its cooperative's for a manager or officer. */
function visibleCooperative(principal: Principal): string | null {
  if (principal.role === 'admin') return null;
  if (principal.role === 'farmer' || principal.cooperativeId === null) throw forbidden('user list', 'read');
  return principal.cooperativeId;
}

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  app.get(
    '/api/users',
    { schema: { response: { 200: Type.Object({ users: Type.Array(User) }), 401: ErrorBody, 403: ErrorBody } } },
    async (req) => ({
      users: await listUsers(meta, visibleCooperative(req.principal)),
    }),
  );

  app.post(
    '/api/users',
    { schema: { body: NewUser, response: { 201: User, 400: ErrorBody, 409: ErrorBody, ...protectedErrors } } },
    async (req, reply) => {
      const principal = req.principal;
      const body = req.body;
      if (body.email === undefined && body.phone === undefined) throw badRequest('CANOPY_BAD_USER', 'give an email or a phone');
      const cooperativeId = principal.role === 'admin' ? (body.cooperativeId ?? null) : principal.cooperativeId;
      if (body.role === 'admin' ? principal.role !== 'admin' : cooperativeId === null) {
        throw badRequest('CANOPY_BAD_USER', 'only an admin creates admins; other roles need a cooperative');
      }
      if (cooperativeId !== null) await app.access.cooperative(principal, cooperativeId, 'manage');
      else if (principal.role !== 'admin') throw forbidden('user', 'manage');
      for (const farmId of body.farmIds ?? []) {
        const farm = await app.access.farm(principal, farmId, 'manage');
        if (farm.cooperativeId !== cooperativeId) throw badRequest('CANOPY_BAD_USER', 'farms must belong to the user’s cooperative');
      }
      let id: string;
      try {
        id = await createUser(meta, { ...body, cooperativeId, farmIds: body.role === 'farmer' ? (body.farmIds ?? []) : [] });
      } catch (err) {
        if (String(err).includes('UNIQUE')) throw new ApiError(409, 'CANOPY_USER_EXISTS', 'a user with this email or phone exists');
        throw err;
      }
      const created = (await listUsers(meta, cooperativeId)).find((u) => u.id === id);
      if (!created) throw notFound('user');
      return reply.code(201).send(created);
    },
  );

  app.delete('/api/users/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...protectedErrors } } }, async (req, reply) => {
    const principal = req.principal;
    const target = await meta
      .selectFrom('users')
      .select(['id', 'role', 'cooperative_id'])
      .where('id', '=', req.params.id)
      .executeTakeFirst();
    const visible =
      target && (principal.role === 'admin' || (target.cooperative_id !== null && target.cooperative_id === principal.cooperativeId));
    if (!target || !visible) throw notFound('user');
    if (principal.role !== 'admin' && (principal.role !== 'coop_manager' || target.role === 'admin')) throw forbidden('user', 'manage');
    // Sessions, keys and memberships go with the user (ON DELETE CASCADE), so access ends at once.
    await meta.deleteFrom('users').where('id', '=', target.id).execute();
    return reply.code(204).send(null);
  });
};
