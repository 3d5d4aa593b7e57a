/**
 * The socket Aedes reads a client from, with three of its methods wrapped rather than a Duplex
 * put in between: a Duplex cost a push, a 'readable' event and a read per chunk each way, and a
 * device reporting every few seconds sends one message per chunk, so that was paid per message.
 * - `read`: Aedes reads with `read()` on 'readable', so every byte it parses passes the packet
 *   size guard first, and the socket is destroyed the moment a header announces an oversized packet.
 * - `write`: writes of one event-loop turn (Aedes delivers each message from its own setImmediate)
 *   leave in one syscall: the socket is corked at the first and uncorked in the next turn's immediates.
 * - `destroy`: what Aedes wrote last, such as a refusing CONNACK, leaves before the socket closes.
 */

import type { Socket } from 'node:net';
import { createPacketSizeGuard } from './packetSizeGuard.ts';

/**
 * Bytes a connection may hold unsent before its writers wait for 'drain'. Not the socket's own
 * 16 KB: waiting for each flush would throttle every subscriber to about one chunk per turn.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function guardConnection(socket: Socket, maxPacketBytes: number, onOversize: () => void): Socket {
  const guard = createPacketSizeGuard(maxPacketBytes);
  const { read, write, destroy } = socket;

  socket.read = (size?: number): Buffer | null => {
    const chunk = read.call(socket, size) as Buffer | null;
    if (chunk === null || guard.feed(chunk)) return chunk;
    onOversize();
    socket.destroy();
    return null;
  };

  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    Reflect.apply(write, socket, args);
    // Aedes waits for 'drain' when this is false; the socket emits it, having passed its own mark.
    return socket.writableLength < MAX_BUFFERED_BYTES;
  }) as Socket['write'];

  socket.destroy = (err?: Error): Socket => {
    uncork();
    return destroy.call(socket, err);
  };
  return socket;
}
