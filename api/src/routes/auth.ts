/** Login, logout and who-am-I. Login is public and throttled; the session lives in an httpOnly cookie. */
import { findUserByLogin, hashPassword, listCooperatives, normalizeEmail, normalizePhone, verifyPassword } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { type Principal, principalOf } from '../auth/principal.ts';
import { createSession, deleteSession, SESSION_COOKIE } from '../auth/sessions.ts';
import { hashToken } from '../auth/tokens.ts';
import { ApiError, badRequest } from '../errors.ts';
import { ErrorBody, RoleSchema } from './schemas.ts';

const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254, description: 'email, or a phone number in its place' })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const Me = Type.Object({
  user: Type.Object({
    id: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    farmIds: Type.Array(Type.String()),
  }),
  via: Type.Union([Type.Literal('user'), Type.Literal('apiKey')]),
  cooperative: Type.Union([
    Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String(), locale: Type.String() }),
    Type.Null(),
  ]),
});

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;
  // Unknown identifiers cost a hash too, so timing does not tell which accounts exist.
  const dummyHash = await hashPassword('not a password');

  async function me(principal: Principal) {
    const user = await meta
      .selectFrom('users')
      .select(['id', 'name', 'role', 'email', 'phone'])
      .where('id', '=', principal.userId)
      .executeTakeFirstOrThrow();
    const cooperative = (await listCooperatives(meta)).find((c) => c.id === principal.cooperativeId) ?? null;
    return { user: { ...user, farmIds: [...principal.farmIds] }, via: principal.kind, cooperative };
  }

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: { security: [], body: LoginBody, response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody } },
    },
    async (req, reply) => {
      const { password } = req.body;
      const raw = (req.body.email ?? req.body.phone ?? '').trim();
      if (raw === '') throw badRequest('CANOPY_BAD_LOGIN', 'give email (or phone) and password');
      const login = raw.includes('@') ? { email: raw } : { phone: raw };
      // Counted by the normalized identifier, so re-spelling a phone number buys no extra tries.
      const identifier = login.email !== undefined ? normalizeEmail(login.email) : normalizePhone(login.phone ?? '');
      const retryMs = app.auth.throttle.retryAfterMs(req.ip, identifier);
      if (retryMs > 0) {
        reply.header('retry-after', Math.ceil(retryMs / 1_000));
        throw new ApiError(429, 'CANOPY_LOGIN_THROTTLED', 'too many failed logins; try again later');
      }
      const user = await findUserByLogin(meta, login);
      const ok = await verifyPassword(password, user?.password_hash ?? dummyHash);
      if (!user || !ok) {
        app.auth.throttle.recordFailure(req.ip, identifier);
        throw new ApiError(401, 'CANOPY_BAD_CREDENTIALS', 'wrong email, phone or password');
      }
      // Told only to someone who knows the password, so it confirms nothing to a guesser.
      if (user.disabled_at !== null) throw new ApiError(403, 'CANOPY_USER_DISABLED', 'this account is disabled; ask your cooperative');
      const session = await createSession(meta, user, app.auth.config.sessionTtlMs);
      reply.setCookie(SESSION_COOKIE, session.id, {
        httpOnly: true,
        sameSite: 'lax',
        secure: app.auth.config.cookieSecure,
        path: '/',
        expires: new Date(session.expiresAt),
      });
      return me(await principalOf(meta, 'user', user));
    },
  );

  app.post('/api/auth/logout', { schema: { response: { 204: Type.Null(), 401: ErrorBody } } }, async (req, reply) => {
    const credential = app.auth.credentialOf(req);
    if (credential?.kind === 'session') {
      await deleteSession(meta, credential.secret);
      await app.liveSockets.reconcile({ credentialHash: hashToken(credential.secret) });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', { schema: { response: { 200: Me, 401: ErrorBody } } }, async (req) => me(req.principal));

  app.put(
    '/api/auth/password',
    {
      schema: {
        body: Type.Object(
          { current: Type.String({ minLength: 1, maxLength: 256 }), next: Type.String({ minLength: 8, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const principal = req.principal;
      if (principal.kind !== 'user') throw new ApiError(403, 'CANOPY_FORBIDDEN', 'log in to change the password');
      const user = await meta.selectFrom('users').select(['password_hash']).where('id', '=', principal.userId).executeTakeFirstOrThrow();
      if (!(await verifyPassword(req.body.current, user.password_hash))) {
        throw new ApiError(403, 'CANOPY_BAD_CREDENTIALS', 'the current password is wrong');
      }
      await meta
        .updateTable('users')
        .set({ password_hash: await hashPassword(req.body.next) })
        .where('id', '=', principal.userId)
        .execute();
      // Other sessions (a lost phone) end with the old password; this one stays.
      const current = app.auth.credentialOf(req);
      await meta
        .deleteFrom('sessions')
        .where('user_id', '=', principal.userId)
        .where('id_hash', '!=', current ? hashToken(current.secret) : '')
        .execute();
      // Their live sockets end with them.
      await app.liveSockets.reconcile({ userId: principal.userId });
      return reply.code(204).send(null);
    },
  );

  // The dashboard's first question: a 200 either way, so a logged-out visit logs no failed request.
  app.get(
    '/api/auth/session',
    { config: { public: true }, schema: { security: [], response: { 200: Type.Object({ me: Type.Union([Me, Type.Null()]) }) } } },
    async (req) => {
      const found = await app.auth.principalFromHeaders(req.headers);
      return { me: found ? await me(found.principal) : null };
    },
  );
};
