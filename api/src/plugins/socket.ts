/**
 * Socket.IO on the API's HTTP server. Each greenhouse is a room, so a browser receives only the
 * greenhouses it joined, and it may join only those its principal can read: the same session
 * cookie or API key as REST (`Authorization: Bearer`, or `auth: { token }` from non-browser
 * clients). Browsers must come from an allowed Origin, so another site cannot ride a cookie.
 * Connection-state recovery runs the middleware again (`skipMiddlewares: false`) and re-checks
 * recovered rooms, so a revoked user does not get its rooms back on reconnect.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Server, type Socket } from 'socket.io';
import type { Principal } from '../auth/principal.ts';
import { hashToken } from '../auth/tokens.ts';

export const LIVE_NAMESPACE = '/live';
export const roomOf = (greenhouseId: string) => `gh:${greenhouseId}`;
const ROOM_PREFIX = 'gh:';

type JoinAck = (answer: { ok: true } | { ok: false; error: string }) => void;

interface SocketData {
  principal: Principal;
  /** Hash of the session id or API key, to drop the socket when it is logged out or revoked. */
  credentialHash: string;
}

/** Ends the live sockets opened with this session id or API key (logout, revocation), given its stored hash. */
export async function disconnectCredential(io: Server, hash: string): Promise<void> {
  for (const socket of await io.of(LIVE_NAMESPACE).fetchSockets()) {
    if ((socket.data as Partial<SocketData>).credentialHash === hash) socket.disconnect(true);
  }
}

export const socketPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const io = new Server(app.server, {
      serveClient: false,
      connectionStateRecovery: { skipMiddlewares: false },
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
          const data: SocketData = { principal: found.principal, credentialHash: hashToken(found.credential.secret) };
          socket.data = data;
          next();
        },
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });

    async function mayRead(socket: Socket, greenhouseId: string): Promise<boolean> {
      try {
        await app.access.greenhouse((socket.data as SocketData).principal, greenhouseId, 'read');
        return true;
      } catch {
        return false;
      }
    }

    live.on('connection', async (socket) => {
      socket.on('join', async (body: unknown, ack?: JoinAck) => {
        const reply: JoinAck = typeof ack === 'function' ? ack : () => {};
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        // Unknown and forbidden answer alike: the socket must not confirm another farm's greenhouse exists.
        if (typeof id !== 'string' || !(await mayRead(socket, id))) return reply({ ok: false, error: 'CANOPY_NOT_FOUND' });
        await socket.join(roomOf(id));
        reply({ ok: true });
      });
      socket.on('leave', async (body: unknown) => {
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        if (typeof id === 'string') await socket.leave(roomOf(id));
      });
      if (socket.recovered) {
        for (const room of socket.rooms) {
          if (room.startsWith(ROOM_PREFIX) && !(await mayRead(socket, room.slice(ROOM_PREFIX.length)))) await socket.leave(room);
        }
      }
    });

    app.canopy.live.bus.on('readings', owner, (message) => live.to(roomOf(message.greenhouse)).emit('readings', message));
    app.canopy.live.bus.on('status', owner, (status) => live.to(roomOf(status.greenhouse)).emit('status', status));

    app.decorate('io', io);
    // Before the HTTP server closes: open WebSockets would otherwise keep it from closing.
    app.addHook('preClose', async () => {
      app.canopy.live.bus.removeListeners(owner);
      io.engine.close();
    });
  },
  { name: 'canopy-socket', dependencies: ['canopy-context', 'canopy-auth'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}
