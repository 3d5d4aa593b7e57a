/**
 * Socket.IO on the API's HTTP server. Each greenhouse is a room, so a browser receives only
 * the greenhouses it joined, never the whole cooperative's traffic.
 */
import { isValidId } from '@canopy/core';
import { getGreenhouse } from '@canopy/core/node';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';

export const LIVE_NAMESPACE = '/live';
export const roomOf = (greenhouseId: string) => `gh:${greenhouseId}`;

type JoinAck = (answer: { ok: true } | { ok: false; error: string }) => void;

export const socketPlugin: FastifyPluginAsync = fp(
  async (app) => {
    const io = new Server(app.server, { serveClient: false, connectionStateRecovery: { skipMiddlewares: false } });
    const live = io.of(LIVE_NAMESPACE);
    const owner = {};

    live.on('connection', (socket) => {
      socket.on('join', async (body: unknown, ack?: JoinAck) => {
        const reply: JoinAck = typeof ack === 'function' ? ack : () => {};
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        if (typeof id !== 'string' || !isValidId(id) || !(await getGreenhouse(app.canopy.meta, id))) {
          return reply({ ok: false, error: 'CANOPY_NOT_FOUND' });
        }
        await socket.join(roomOf(id));
        reply({ ok: true });
      });
      socket.on('leave', async (body: unknown) => {
        const id = (body as { greenhouseId?: unknown } | null)?.greenhouseId;
        if (typeof id === 'string') await socket.leave(roomOf(id));
      });
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
  { name: 'canopy-socket', dependencies: ['canopy-context'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}
