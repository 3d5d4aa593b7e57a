/**
 * The stream Aedes reads a client from: the socket's bytes pass the packet size guard first,
 * and the socket is destroyed the moment a header announces an oversized packet. Backpressure
 * is kept: the socket pauses while Aedes has not read what it was given.
 */

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createPacketSizeGuard } from './packetSizeGuard.ts';

export function guardConnection(socket: Socket, maxPacketBytes: number, onOversize: () => void): Duplex {
  const guard = createPacketSizeGuard(maxPacketBytes);
  const conn = new Duplex({
    read() {
      socket.resume();
    },
    // Handed on at once unless the socket is full: waiting for each chunk to be flushed would
    // throttle every subscriber to one chunk per event-loop turn.
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed || socket.write(chunk)) return callback();
      socket.once('drain', () => callback());
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
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
