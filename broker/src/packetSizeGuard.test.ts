import { describe, expect, it } from 'vitest';
import { createPacketSizeGuard } from './packetSizeGuard.ts';

/** A PUBLISH fixed header announcing `length` bytes of body. */
function header(length: number): number[] {
  const bytes = [0x30];
  let n = length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

describe('packet size guard', () => {
  it('passes packets up to the limit, split anywhere across chunks', () => {
    const guard = createPacketSizeGuard(200);
    const stream = Buffer.from([...header(150), ...new Array(150).fill(1), ...header(197), ...new Array(197).fill(2)]);
    for (let i = 0; i < stream.length; i += 7) expect(guard.feed(stream.subarray(i, i + 7))).toBe(true);
  });

  it('condemns a header announcing more than the limit before any body arrives', () => {
    const guard = createPacketSizeGuard(65_536);
    expect(guard.feed(Buffer.from(header(64 * 1024 * 1024)))).toBe(false);
    expect(guard.feed(Buffer.from([0xc0, 0x00]))).toBe(false);
  });

  it('condemns a Remaining Length longer than four bytes', () => {
    expect(createPacketSizeGuard(1_000).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(false);
  });

  it('reads a header split between chunks', () => {
    const guard = createPacketSizeGuard(100);
    const bytes = header(300);
    expect(guard.feed(Buffer.from(bytes.slice(0, 2)))).toBe(true);
    expect(guard.feed(Buffer.from(bytes.slice(2)))).toBe(false);
  });
});
