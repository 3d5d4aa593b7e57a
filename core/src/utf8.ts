/** Bytes as UTF-8 text, decoded in place: `Buffer.from(bytes)` would first copy them all. */
export const decodeUtf8 = (bytes: Uint8Array): string =>
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
