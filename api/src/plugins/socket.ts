/**
 * Socket.IO on the API's HTTP server. Each greenhouse is a room, so a browser receives only the
 * greenhouses it joined, and it may join only those its principal can read: the same session
 * cookie or API key as REST (`Authorization: Bearer`, or `auth: { token }` from non-browser
 * clients). Browsers must come from an allowed Origin, so another site cannot ride a cookie.
 *
 * A socket keeps no principal of its own, only its credential's hash and the greenhouses its
 * client asked to follow; every join and every `app.liveSockets.reconcile(…)` reads the rights
 * afresh, so the socket is in exactly the rooms of the greenhouses it asked for and may read now.
 * Reconciling is how rights changes reach open sockets: logout and key revocation (the
 * credential is gone: disconnected), a user deleted or disabled (likewise), a role or farm
 * membership changed (rooms left, or joined again).
 *
 * No connection-state recovery: a reconnection is a new socket, which authenticates and joins
 * again, and the dashboard reloads what it shows after a reconnect. Recovery would keep every
 * `readings` event of the last two to three minutes in memory for replay (Socket.IO stores each
 * broadcast until `maxDisconnectionDuration` and sweeps once a minute): in the live benchmark
 * that was ~160 MB of the API's RSS, for a replay the dashboard does not need.
 *
 * Reconciling reaches the sockets of this process only (the default in-memory adapter); see
 * README, "Users and roles", for several API nodes.
 *
 * Every connection, reconnections included, gets `hello` `{build}` as soon as it connects, before it
 * can ask to join a room: the dashboard build this process serves, so a tab left open across an
 * upgrade reloads rather than misread the new server's messages.
 * An event, because Socket.IO's handshake gives the client nothing of the server's but the socket id.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isValidId } from '@canopy/core';
import fp from 'fastify-plugin';
import { type DefaultEventsMap, type RemoteSocket, Server, type Socket } from 'socket.io';
import { apiKeyPrincipalByHash } from '../auth/apiKeys.ts';
import type { Principal } from '../auth/principal.ts';
import { sessionPrincipalByHash } from '../auth/sessions.ts';
import { hashToken } from '../auth/tokens.ts';

export const LIVE_NAMESPACE = '/live';
export const roomOf = (greenhouseId: string) => `gh:${greenhouseId}`;
const ROOM_PREFIX = 'gh:';
/** Every socket of a user, and of one session or API key: the handles rights changes reach them by. */
const userRoom = (userId: string) => `user:${userId}`;
const credentialRoom = (hash: string) => `cred:${hash}`;
/** Bounds what one client can make the server remember; a cooperative's dashboard follows far fewer. */
const MAX_FOLLOWED = 1_000;

type JoinAck = (answer: { ok: true } | { ok: false; error: string }) => void;

export interface LiveSocketData {
  userId: string;
  /** The session id's or API key's stored hash, never the secret itself. */
  credential: { kind: 'session' | 'apiKey'; hash: string };
  /** Greenhouses the client asked to follow (join, not yet left), allowed or not at the time. */
  wanted: string[];
}

export type LiveServer = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, LiveSocketData>;
type AnySocket =
  | Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, LiveSocketData>
  | RemoteSocket<DefaultEventsMap, LiveSocketData>;

/** Which open sockets to re-check: all of a user's, or those opened with one session or key. */
export type SocketTarget = { readonly userId: string } | { readonly credentialHash: string };

export interface LiveSockets {
  /**
   * Re-checks the target's open sockets against the rights now in the database: a socket whose
   * credential no longer authenticates (logged out, revoked, user deleted or disabled) is
   * disconnected; the others leave the rooms they lost and join those they asked for and regained.
   */
  reconcile(target: SocketTarget): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    io: LiveServer;
    liveSockets: LiveSockets;
  }
}

export interface SocketOptions {
  /** The dashboard build this process serves (plugins/web.ts, readBuildId); null if none. */
  readonly build: string | null;
}

export const socketPlugin = fp<SocketOptions>(
  async (app, { build }) => {
    const { meta } = app.canopy;
    const io: LiveServer = new Server(app.server, {
      serveClient: false,
      allowRequest: (req, callback) => callback(null, app.auth.originAllowed(req.headers)),
    });
    const live = io.of(LIVE_NAMESPACE);
    const owner = {};

    live.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.token;
      const headers: IncomingHttpHeaders = typeof token === 'string' ? { authorization: `Bearer ${token}` } : socket.request.headers;
      app.auth.principalFromHeaders(headers).then(
        (found) => {
          if (!found) return next(Object.assign(new Error('CANOPY_UNAUTHENTICATED'), { data: { code: 'CANOPY_UNAUTHENTICATED' } }));
          socket.data = {
            userId: found.principal.userId,
            credential: { kind: found.credential.kind, hash: hashToken(found.credential.secret) },
            wanted: [],
          };
          next();
        },
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });

    /** The socket's principal as of now; undefined when its credential no longer authenticates it. */
    async function currentPrincipal(data: LiveSocketData): Promise<Principal | undefined> {
      const principal =
        data.credential.kind === 'session'
          ? await sessionPrincipalByHash(meta, data.credential.hash)
          : await apiKeyPrincipalByHash(meta, data.credential.hash);
      return principal?.userId === data.userId ? principal : undefined;
    }

    async function mayRead(principal: Principal, greenhouseId: string): Promise<boolean> {
      try {
        await app.access.greenhouse(principal, greenhouseId, 'read');
        return true;
      } catch {
        return false;
      }
    }

    // Joins and re-checks of one socket run one after another, so a join that read the rights just
    // before they changed cannot land after the re-check and keep a room the socket has lost.
    const queues = new Map<string, Promise<unknown>>();
    function serially<T>(socketId: string, task: () => Promise<T>): Promise<T> {
      const run = (queues.get(socketId) ?? Promise.resolve()).then(task);
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      queues.set(socketId, settled);
      void settled.then(() => {
        if (queues.get(socketId) === settled) queues.delete(socketId);
      });
      return run;
    }

    const reconcileSocket = (socket: AnySocket) => serially(socket.id, () => recheck(socket));

    async function recheck(socket: AnySocket): Promise<void> {
      const principal = await currentPrincipal(socket.data);
      if (!principal) {
        socket.disconnect(true);
        return;
      }
      const readable = new Set(await app.access.readableGreenhouseIds(principal));
      const keep = new Set(socket.data.wanted.filter((id) => readable.has(id)).map(roomOf));
      for (const room of [...socket.rooms]) {
        if (room.startsWith(ROOM_PREFIX) && !keep.has(room)) await socket.leave(room);
      }
      for (const room of keep) if (!socket.rooms.has(room)) await socket.join(room);
    }

    live.on('connection', async (socket) => {
      socket.emit('hello', { build });
      const data = socket.data;
      socket.on('join', (body: unknown, ack?: JoinAck) => {
        const reply: JoinAck = typeof ack === 'function' ? ack : () => {};
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        // Unknown and forbidden answer alike: the socket must not confirm another farm's greenhouse exists.
        if (typeof id !== 'string' || !isValidId(id)) return reply({ ok: false, error: 'CANOPY_NOT_FOUND' });
        void serially(socket.id, async () => {
          // Read afresh: rights changed through another API node are honoured at the next join at least.
          const principal = await currentPrincipal(data);
          if (!principal) {
            socket.disconnect(true);
            return;
          }
          if (!data.wanted.includes(id)) {
            if (data.wanted.length >= MAX_FOLLOWED) return reply({ ok: false, error: 'CANOPY_TOO_MANY_ROOMS' });
            data.wanted.push(id);
          }
          if (!(await mayRead(principal, id))) return reply({ ok: false, error: 'CANOPY_NOT_FOUND' });
          await socket.join(roomOf(id));
          reply({ ok: true });
        }).catch((err: unknown) => {
          app.log.error({ err }, 'live join failed');
          reply({ ok: false, error: 'CANOPY_INTERNAL' });
        });
      });
      socket.on('leave', (body: unknown) => {
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        if (typeof id !== 'string') return;
        void serially(socket.id, async () => {
          data.wanted = data.wanted.filter((w) => w !== id);
          await socket.leave(roomOf(id));
        });
      });

      await socket.join([userRoom(data.userId), credentialRoom(data.credential.hash)]);
    });

    app.canopy.live.bus.on('readings', owner, (message) => live.to(roomOf(message.greenhouse)).emit('readings', message));
    app.canopy.live.bus.on('status', owner, (status) => live.to(roomOf(status.greenhouse)).emit('status', status));

    app.decorate('io', io);
    app.decorate('liveSockets', {
      async reconcile(target: SocketTarget) {
        const room = 'userId' in target ? userRoom(target.userId) : credentialRoom(target.credentialHash);
        const sockets = await live.in(room).fetchSockets();
        await Promise.all(sockets.map((s) => reconcileSocket(s)));
      },
    } satisfies LiveSockets);
    // Before the HTTP server closes: open WebSockets would otherwise keep it from closing.
    app.addHook('preClose', async () => {
      app.canopy.live.bus.removeListeners(owner);
      io.engine.close();
    });
  },
  { name: 'canopy-socket', dependencies: ['canopy-context', 'canopy-auth'] },
);
