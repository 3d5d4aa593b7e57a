/**
 * The dashboard's single Socket.IO connection to the `/live` namespace. Screens ask for the
 * greenhouses they show; rooms are reference-counted so two views of one greenhouse share a join,
 * and every room is joined again after a reconnect because the server forgets them. The server's
 * `hello` on each connection names the dashboard build it serves, so a tab left open across an
 * upgrade reloads into the new one (reloadOnNewBuild.ts).
 */
import type { LiveMessage } from '@canopy/core';
import type { Socket } from 'socket.io-client';
import { reloadOnNewBuild } from './reloadOnNewBuild.ts';

export interface StatusMessage {
  greenhouse: string;
  device: string;
  state: 'online' | 'offline';
  ts: number;
}

type JoinAck = { ok: true } | { ok: false; error: string };

interface ServerEvents {
  /** `{build: string | null}` today, but the point is to hear it from a server of another version: nothing in it is trusted. */
  hello: (msg: { build?: unknown } | null) => void;
  readings: (msg: LiveMessage) => void;
  status: (msg: StatusMessage) => void;
}

interface ClientEvents {
  join: (room: { greenhouseId: string }, ack: (res: JoinAck) => void) => void;
  leave: (room: { greenhouseId: string }) => void;
}

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveSnapshot {
  state: LiveState;
  /** Connections after the first: each one may have missed readings, so screens re-fetch. */
  reconnects: number;
}

let snapshot: LiveSnapshot = { state: 'connecting', reconnects: 0 };
let connectedOnce = false;
let socket: Socket<ServerEvents, ClientEvents> | undefined;
let started = false;

const rooms = new Map<string, number>();
const readingListeners = new Set<(msg: LiveMessage) => void>();
const statusListeners = new Set<(msg: StatusMessage) => void>();
const snapshotListeners = new Set<() => void>();

function publish(next: Partial<LiveSnapshot>): void {
  snapshot = { ...snapshot, ...next };
  for (const fn of snapshotListeners) fn();
}

function emitJoin(s: Socket<ServerEvents, ClientEvents>, greenhouseId: string): void {
  s.emit('join', { greenhouseId }, (res) => {
    if (!res.ok) console.warn(`live: cannot join ${greenhouseId}: ${res.error}`);
  });
}

/** socket.io-client (13 KB gzip) is not needed for the first paint, so it downloads beside the first API call instead of before it. */
function start(): void {
  if (started) return;
  started = true;
  import('socket.io-client').then(
    ({ io }) => {
      const s: Socket<ServerEvents, ClientEvents> = io('/live');
      s.on('connect', () => {
        publish({ state: 'live', reconnects: snapshot.reconnects + (connectedOnce ? 1 : 0) });
        connectedOnce = true;
        for (const id of rooms.keys()) emitJoin(s, id);
      });
      // `active` is false only when the server sent us away; socket.io retries every other loss itself.
      s.on('disconnect', () => publish({ state: s.active ? 'connecting' : 'offline' }));
      s.on('connect_error', () => publish({ state: 'offline' }));
      s.on('hello', (msg) => reloadOnNewBuild(__CANOPY_BUILD__, msg?.build));
      s.on('readings', (msg) => {
        for (const fn of readingListeners) fn(msg);
      });
      s.on('status', (msg) => {
        for (const fn of statusListeners) fn(msg);
      });
      socket = s;
    },
    () => {
      // The chunk did not arrive (flaky 3G): try again when the browser is back online.
      started = false;
      publish({ state: 'offline' });
    },
  );
}

if (typeof window !== 'undefined') {
  window.addEventListener('offline', () => publish({ state: 'offline' }));
  window.addEventListener('online', () => {
    if (!socket) start();
    else if (!socket.connected) publish({ state: 'connecting' });
  });
}

export function getLiveSnapshot(): LiveSnapshot {
  return snapshot;
}

export function subscribeLiveSnapshot(fn: () => void): () => void {
  start();
  snapshotListeners.add(fn);
  return () => snapshotListeners.delete(fn);
}

/** Joins a greenhouse's room for as long as the returned function is not called. */
export function joinGreenhouse(greenhouseId: string): () => void {
  start();
  const count = rooms.get(greenhouseId) ?? 0;
  rooms.set(greenhouseId, count + 1);
  if (count === 0 && socket?.connected) emitJoin(socket, greenhouseId);
  return () => {
    const left = (rooms.get(greenhouseId) ?? 1) - 1;
    if (left > 0) {
      rooms.set(greenhouseId, left);
      return;
    }
    rooms.delete(greenhouseId);
    if (socket?.connected) socket.emit('leave', { greenhouseId });
  };
}

export function onReadings(fn: (msg: LiveMessage) => void): () => void {
  readingListeners.add(fn);
  return () => readingListeners.delete(fn);
}

export function onStatus(fn: (msg: StatusMessage) => void): () => void {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}
