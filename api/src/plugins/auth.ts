/**
 * Authentication and access, the contract every route (ours and other issues') is coded against.
 *
 * - Every route requires a session cookie (`canopy_session`, httpOnly, SameSite=Lax) or an API key
 *   (`Authorization: Bearer cnp_…`), unless its route options say `config: { public: true }`.
 *   Public: `/api/health`, `/api/auth/login`, `/metrics`, `/healthz`, `/docs*` and the dashboard's
 *   static files (the web plugin marks its own routes), so that the login page can load. A 404 for
 *   an unknown path is answered without authentication; it confirms nothing.
 *   No credential, or an expired/revoked one → 401 `CANOPY_UNAUTHENTICATED`.
 * - `request.principal: Principal` —
 *   `{ kind: 'user' | 'apiKey'; userId; role: 'admin' | 'coop_manager' | 'farmer' | 'extension_officer';
 *      cooperativeId: string | null (null only for admin); farmIds: readonly string[] (a farmer's farms) }`.
 *   Reading it on a public route throws 401, so a route that forgot to be protected cannot act for nobody.
 *   An API key acts with its owner's role and rights.
 * - `app.access.greenhouse(principal, id, action)` / `.cooperative(…)` / `.farm(…)` with
 *   `action: 'read' | 'control' | 'manage'` load the record and check it in one step: 404
 *   `CANOPY_NOT_FOUND` when the principal may not even read it (never confirming it exists), 403
 *   `CANOPY_FORBIDDEN` when it may read but not do the action. Rules (auth/rules.ts): admin all;
 *   coop_manager read/control/manage in its cooperative; farmer read/control its own farms'
 *   greenhouses; extension_officer read in its cooperative only.
 *   `app.access.readableGreenhouseIds(principal)` lists what it may read.
 * - Unsafe methods (POST, PUT, PATCH, DELETE) with an Origin header outside `ALLOWED_ORIGINS`
 *   (default: the request's own host) → 403 `CANOPY_BAD_ORIGIN`, against cross-site requests.
 * - `app.auth.principalFromHeaders(headers)` resolves the same credentials for the live socket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Access, createAccess } from '../auth/access.ts';
import { apiKeyPrincipal } from '../auth/apiKeys.ts';
import { createLoginThrottle, type LoginThrottle } from '../auth/loginThrottle.ts';
import { originAllowed } from '../auth/origin.ts';
import type { Principal } from '../auth/principal.ts';
import { SESSION_COOKIE, sessionPrincipal } from '../auth/sessions.ts';
import type { AuthConfig } from '../config.ts';
import { ApiError } from '../errors.ts';

export type { Action } from '../auth/rules.ts';
export type { Access, Principal };

/** How a principal was established; logout and revocation use it to drop live sockets too. */
export interface Credential {
  readonly kind: 'session' | 'apiKey';
  readonly secret: string;
}

export interface Authenticated {
  readonly principal: Principal;
  readonly credential: Credential;
}

export interface Auth {
  readonly config: AuthConfig;
  readonly throttle: LoginThrottle;
  principalFromHeaders(headers: IncomingHttpHeaders): Promise<Authenticated | undefined>;
  /** The credential of an authenticated request. */
  credentialOf(request: FastifyRequest): Credential | undefined;
  originAllowed(headers: IncomingHttpHeaders): boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session or API key. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    access: Access;
    auth: Auth;
  }
}

export const unauthenticated = () => new ApiError(401, 'CANOPY_UNAUTHENTICATED', 'log in or send an API key');

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const auth: FastifyPluginAsync<AuthConfig> = async (app, config) => {
  await app.register(fastifyCookie);
  const { meta } = app.canopy;
  const authenticated = new WeakMap<FastifyRequest, Authenticated>();

  async function principalFromHeaders(headers: IncomingHttpHeaders): Promise<Authenticated | undefined> {
    const bearer = /^Bearer\s+(\S{1,200})$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      const principal = await apiKeyPrincipal(meta, bearer);
      return principal && { principal, credential: { kind: 'apiKey', secret: bearer } };
    }
    const session = headers.cookie ? app.parseCookie(headers.cookie)[SESSION_COOKIE] : undefined;
    if (session === undefined || session.length > 200) return undefined;
    const principal = await sessionPrincipal(meta, session);
    return principal && { principal, credential: { kind: 'session', secret: session } };
  }

  const isOriginAllowed = (headers: IncomingHttpHeaders) => originAllowed(headers.origin, headers.host, config.allowedOrigins);

  app.decorate('access', createAccess(meta));
  app.decorate('auth', {
    config,
    throttle: createLoginThrottle({ maxAttempts: config.loginMaxAttempts, windowMs: config.loginWindowMs }),
    principalFromHeaders,
    credentialOf: (request: FastifyRequest) => authenticated.get(request)?.credential,
    originAllowed: isOriginAllowed,
  });
  app.decorateRequest('principal', {
    getter(this: FastifyRequest): Principal {
      const found = authenticated.get(this);
      if (!found) throw unauthenticated();
      return found.principal;
    },
  });

  app.addHook('onRequest', async (request) => {
    if (UNSAFE_METHODS.has(request.method) && !isOriginAllowed(request.headers)) {
      throw new ApiError(403, 'CANOPY_BAD_ORIGIN', 'request from an origin that is not allowed');
    }
    if (request.is404 || request.routeOptions.config.public === true) return;
    const found = await principalFromHeaders(request.headers);
    if (!found) throw unauthenticated();
    authenticated.set(request, found);
  });
};

export const authPlugin = fp(auth, { name: 'canopy-auth', dependencies: ['canopy-context'] });
