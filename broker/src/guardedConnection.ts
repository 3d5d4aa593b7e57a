/**
 * The stream Aedes reads a client from: the socket's bytes pass the packet size guard first,
 * and the socket is destroyed the moment a header announces an oversized packet. Backpressure
 * is kept: the socket pauses while Aedes has not read what it was given.
 */

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createPacketSizeGuard } from './packetSizeGuard.ts';

/** Bytes a connection may hold unsent before its writers wait for 'drain'. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function guardConnection(socket: Socket, maxPacketBytes: number, onOversize: () => void): Duplex {
  const guard = createPacketSizeGuard(maxPacketBytes);
  // Writes of one event-loop turn (Aedes delivers each message from its own setImmediate) leave
  // in one syscall: the socket is corked at the first and uncorked in the next turn's immediates.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const send = (chunks: readonly Buffer[], callback: () => void) => {
    if (socket.destroyed) return callback();
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    for (const c of chunks) socket.write(c);
    if (socket.writableLength < MAX_BUFFERED_BYTES) return callback();
    socket.once('drain', () => callback());
  };
  const conn = new Duplex({
    read() {
      socket.resume();
    },
    // Handed on at once unless the socket is full: waiting for each chunk to be flushed would
    // throttle every subscriber to one chunk per event-loop turn.
    write(chunk: Buffer, _encoding, callback) {
      send([chunk], callback);
    },
    // mqtt-packet writes a PUBLISH as several chunks inside cork/uncork: they arrive here together.
    writev(chunks, callback) {
      send(
        chunks.map((c) => c.chunk as Buffer),
        callback,
      );
    },
    final(callback) {
      uncork();
      socket.end(callback);
    },
    destroy(err, callback) {
      // What Aedes wrote last, such as a refusing CONNACK, goes before the socket is closed.
      uncork();
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!guard.feed(chunk)) {
      onOversize();
      socket.destroy();
      conn.destroy();
      return;
    }
    if (!conn.push(chunk)) socket.pause();
  });
  socket.on('end', () => conn.push(null));
  socket.on('error', (err) => conn.destroy(err));
  socket.on('close', () => conn.destroy());
  return conn;
}
