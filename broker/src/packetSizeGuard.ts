/**
 * Aedes has no maximum packet size: its parser buffers whatever Remaining Length a client
 * announces. The guard reads only MQTT fixed headers as bytes stream in, and condemns the
 * connection as soon as a header announces a packet over the limit — before its body arrives,
 * so a 64 MiB publish costs no more memory than a small one.
 */

export interface PacketSizeGuard {
  /** False once the stream has announced an oversized or malformed packet. */
  feed(chunk: Uint8Array): boolean;
}

export function createPacketSizeGuard(maxPacketBytes: number): PacketSizeGuard {
  // Bytes of the current packet's body still to skip, and the fixed header being read.
  let bodyLeft = 0;
  let inHeader = false;
  let lengthBytes = 0;
  let length = 0;
  let multiplier = 1;
  let failed = false;

  return {
    feed(chunk) {
      if (failed) return false;
      let i = 0;
      while (i < chunk.length) {
        if (!inHeader && bodyLeft === 0) {
          // First byte: packet type and flags.
          inHeader = true;
          lengthBytes = 0;
          length = 0;
          multiplier = 1;
          i += 1;
          continue;
        }
        if (inHeader) {
          const byte = chunk[i] as number;
          i += 1;
          lengthBytes += 1;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if (byte & 0x80) {
            // The Remaining Length takes at most four bytes.
            if (lengthBytes === 4) failed = true;
          } else {
            inHeader = false;
            if (1 + lengthBytes + length > maxPacketBytes) failed = true;
            bodyLeft = length;
          }
          if (failed) return false;
          continue;
        }
        const take = Math.min(bodyLeft, chunk.length - i);
        bodyLeft -= take;
        i += take;
      }
      return true;
    },
  };
}
