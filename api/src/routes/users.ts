/**
 * People of a cooperative. Admins manage everyone; a coop manager the non-admin users of its
 * cooperative (never making one an admin); an extension officer may list them; a farmer sees
 * only itself (GET /api/auth/me). Every change of a user's rights reaches its open live
 * sockets at once (app.liveSockets.reconcile).
 */

import { isValidId } from '@canopy/core';
import { createUser, getUser, listUsers, UserError, type UserRecord, updateUser } from '@canopy/core/node';
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
  disabled: Type.Boolean({ description: 'a disabled user cannot log in, and its sessions, live sockets and API keys stop' }),
});

const UserChange = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(RoleSchema),
    farmIds: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'a farmer’s farms, replacing the current ones' }),
    ),
    disabled: Type.Optional(Type.Boolean()),
    cooperativeId: Type.Optional(
      Type.String({ maxLength: 64, description: 'admins only: moves the user, or gives a former admin its cooperative' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

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
    {
      schema: {
        description:
          'Users the caller may see: all for an admin, its cooperative’s for a manager or an extension officer. ' +
          'Officers get no email or phone (null): contact details are personal data they have no need for.',
        response: { 200: Type.Object({ users: Type.Array(User) }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const cooperativeId = visibleCooperative(req.principal);
      const users = await listUsers(meta, cooperativeId === null ? {} : { cooperativeId });
      if (req.principal.role !== 'extension_officer') return { users };
      return { users: users.map((u) => ({ ...u, email: null, phone: null })) };
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        description: 'Creates a user: admins anyone, a coop manager a non-admin user of its cooperative.',
        body: NewUser,
        response: { 201: User, 400: ErrorBody, 409: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const principal = req.principal;
      const body = req.body;
      if (body.email === undefined && body.phone === undefined) throw badRequest('CANOPY_BAD_USER', 'give an email or a phone');
      if (body.name.trim() === '') throw badRequest('CANOPY_BAD_USER', 'the name is blank');
      const cooperativeId = principal.role === 'admin' ? (body.cooperativeId ?? null) : principal.cooperativeId;
      if (body.role === 'admin' && principal.role !== 'admin') throw new ApiError(403, 'CANOPY_FORBIDDEN', 'only an admin grants admin');
      if (body.role !== 'admin' && cooperativeId === null) throw badRequest('CANOPY_BAD_USER', 'every role but admin needs a cooperative');
      if (cooperativeId !== null) await app.access.cooperative(principal, cooperativeId, 'manage');
      else if (principal.role !== 'admin') throw forbidden('user', 'manage');
      for (const farmId of body.farmIds ?? []) {
        const farm = await app.access.farm(principal, farmId, 'manage');
        if (farm.cooperativeId !== cooperativeId) throw badRequest('CANOPY_BAD_USER', 'farms must belong to the user’s cooperative');
      }
      let id: string;
      try {
        id = await createUser(meta, {
          ...body,
          name: body.name.trim(),
          cooperativeId,
          farmIds: body.role === 'farmer' ? (body.farmIds ?? []) : [],
        });
      } catch (err) {
        if (String(err).includes('UNIQUE')) throw new ApiError(409, 'CANOPY_USER_EXISTS', 'a user with this email or phone exists');
        throw err;
      }
      const created = await getUser(meta, id);
      if (!created) throw notFound('user');
      return reply.code(201).send(created);
    },
  );

  /** The user, if the principal may manage it: 404 outside its cooperative, 403 when it may not change it. */
  async function manageableUser(principal: Principal, id: string): Promise<UserRecord> {
    const target = isValidId(id) ? await getUser(meta, id) : undefined;
    const visible =
      target && (principal.role === 'admin' || (target.cooperativeId !== null && target.cooperativeId === principal.cooperativeId));
    if (!target || !visible) throw notFound('user');
    if (principal.role !== 'admin' && (principal.role !== 'coop_manager' || target.role === 'admin')) throw forbidden('user', 'manage');
    return target;
  }

  app.patch(
    '/api/users/:id',
    {
      schema: {
        description:
          'Changes a user’s name, role, farms (a farmer’s, replacing the current ones) or disabled state. Admins: anyone; a coop manager: ' +
          'the non-admin users of its cooperative, and it never grants admin (403). Nobody changes its own role or disables itself. ' +
          'The user’s open live sockets follow at once: rooms lost are left, a disabled user is disconnected.',
        params: IdParams,
        body: UserChange,
        response: { 200: User, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req) => {
      const principal = req.principal;
      const target = await manageableUser(principal, req.params.id);
      const { name, role, farmIds, disabled, cooperativeId } = req.body;
      if (role === 'admin' && principal.role !== 'admin') throw new ApiError(403, 'CANOPY_FORBIDDEN', 'only an admin grants admin');
      if (cooperativeId !== undefined && cooperativeId !== target.cooperativeId && principal.role !== 'admin')
        throw new ApiError(403, 'CANOPY_FORBIDDEN', 'only an admin moves a user to another cooperative');
      if (target.id === principal.userId && ((role !== undefined && role !== target.role) || disabled === true))
        throw new ApiError(403, 'CANOPY_FORBIDDEN', 'nobody changes its own role or disables itself');
      if (name !== undefined && name.trim() === '') throw badRequest('CANOPY_BAD_USER', 'the name is blank');
      if (cooperativeId !== undefined) await app.access.cooperative(principal, cooperativeId, 'manage');
      // A farm the principal may not see answers 404 like any other; its cooperative is checked in updateUser.
      for (const farmId of farmIds ?? []) await app.access.farm(principal, farmId, 'manage');
      try {
        await updateUser(meta, target.id, {
          ...(name === undefined ? {} : { name }),
          ...(role === undefined ? {} : { role }),
          ...(farmIds === undefined ? {} : { farmIds }),
          ...(disabled === undefined ? {} : { disabled }),
          ...(cooperativeId === undefined ? {} : { cooperativeId }),
        });
      } catch (err) {
        if (err instanceof UserError) throw badRequest(err.code, err.message);
        throw err;
      }
      await app.liveSockets.reconcile({ userId: target.id });
      const updated = await getUser(meta, target.id);
      if (!updated) throw notFound('user');
      return updated;
    },
  );

  app.delete(
    '/api/users/:id',
    {
      schema: {
        description:
          'Removes a user with its sessions, API keys and memberships; its open live sockets are disconnected at once. Nobody deletes their own account (403).',
        params: IdParams,
        response: { 204: Type.Null(), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const target = await manageableUser(req.principal, req.params.id);
      // Otherwise the last admin could lock everyone out.
      if (target.id === req.principal.userId) throw new ApiError(403, 'CANOPY_FORBIDDEN', 'nobody deletes their own account');
      // Sessions, keys and memberships go with the user (ON DELETE CASCADE), so access ends at once.
      await meta.deleteFrom('users').where('id', '=', target.id).execute();
      await app.liveSockets.reconcile({ userId: target.id });
      return reply.code(204).send(null);
    },
  );
};
