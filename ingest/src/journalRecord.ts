/**
 * One journal record per MQTT message: its accepted readings, in a binary frame. As a JSON line
 * a record cost ~4.5 µs, most of it writing each value in shortest decimal and the line as UTF-8,
 * and ~3.3 µs to read back through JSON.parse; here a float64 is copied each way (BENCHMARKS.md,
 * "Ninth session").
 *
 * Frame (little-endian): u32 payload bytes, u32 CRC-32 of the payload, payload. The payload is
 * groups of consecutive readings sharing device and greenhouse (one, unless a batch spans a
 * reassignment): str device, str greenhouse, u32 count, then per reading f64 ts, str metric,
 * f64 value; a str is a u16 byte length and UTF-8. A torn or damaged frame fails its length or CRC.
 */
import { crc32 } from 'node:zlib';
import type { StoredReading } from '@canopy/core/node';

export const FRAME_HEADER_BYTES = 8;
/** No record comes near this (payloads are bounded); a larger length is damage, not a record. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
const MAX_STRING_BYTES = 0xffff;

/** The frame of a record; an empty one for no readings (a barrier, nothing on disk). */
export function encodeRecord(readings: readonly StoredReading[]): Buffer {
  if (readings.length === 0) return Buffer.alloc(0);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: an upper bound, trimmed at the end.
  let bound = FRAME_HEADER_BYTES;
  let device: string | undefined;
  let greenhouse: string | undefined;
  for (const r of readings) {
    if (r.device !== device || r.greenhouse !== greenhouse) {
      ({ device, greenhouse } = r);
      bound += 8 + 3 * (device.length + greenhouse.length);
    }
    bound += 18 + 3 * r.metric.length;
  }
  const buf = Buffer.allocUnsafe(bound);
  let at = FRAME_HEADER_BYTES;
  let i = 0;
  while (i < readings.length) {
    const first = readings[i] as StoredReading;
    let end = i + 1;
    while (
      end < readings.length &&
      (readings[end] as StoredReading).device === first.device &&
      (readings[end] as StoredReading).greenhouse === first.greenhouse
    )
      end += 1;
    at = putString(buf, at, first.device);
    at = putString(buf, at, first.greenhouse);
    buf.writeUInt32LE(end - i, at);
    at += 4;
    for (; i < end; i++) {
      const r = readings[i] as StoredReading;
      buf.writeDoubleLE(r.ts, at);
      at = putString(buf, at + 8, r.metric);
      buf.writeDoubleLE(r.value, at);
      at += 8;
    }
  }
  buf.writeUInt32LE(at - FRAME_HEADER_BYTES, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_HEADER_BYTES, at)), 4);
  return buf.subarray(0, at);
}

/** Ids and metric keys are short and nearly always ASCII: copied by hand, UTF-8 through Buffer otherwise. */
function putString(buf: Buffer, at: number, s: string): number {
  const start = at + 2;
  let n = 0;
  for (; n < s.length; n++) {
    const c = s.charCodeAt(n);
    if (c >= 0x80) break;
    buf[start + n] = c;
  }
  if (n < s.length) n = buf.write(s, start, 'utf8');
  if (n > MAX_STRING_BYTES) throw new RangeError(`journal: a ${n}-byte name is over ${MAX_STRING_BYTES} bytes`);
  buf.writeUInt16LE(n, at);
  return start + n;
}

/** The frame runs past the bytes given: read more, or at the tail, a torn write. */
type Short = { readonly kind: 'short'; readonly needed: number };
type Damaged = { readonly kind: 'damaged' };
export type Frame = { readonly kind: 'record'; readonly readings: StoredReading[]; readonly end: number } | Short | Damaged;

/** Whether an intact frame (length and CRC) starts at `at`, without decoding it. */
export function checkFrame(buf: Buffer, at: number): { readonly kind: 'intact'; readonly end: number } | Short | Damaged {
  if (buf.length - at < FRAME_HEADER_BYTES) return { kind: 'short', needed: FRAME_HEADER_BYTES };
  const length = buf.readUInt32LE(at);
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return { kind: 'damaged' };
  const end = at + FRAME_HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'short', needed: FRAME_HEADER_BYTES + length };
  if (crc32(buf.subarray(at + FRAME_HEADER_BYTES, end)) !== buf.readUInt32LE(at + 4)) return { kind: 'damaged' };
  return { kind: 'intact', end };
}

/** The frame starting at `at` in `buf`, decoded. */
export function readFrame(buf: Buffer, at: number): Frame {
  const frame = checkFrame(buf, at);
  if (frame.kind !== 'intact') return frame;
  const readings = decodePayload(buf, at + FRAME_HEADER_BYTES, frame.end);
  return readings ? { kind: 'record', readings, end: frame.end } : { kind: 'damaged' };
}

/**
 * The first offset from `from` where an intact frame starts, for reading on past damage: the
 * lengths chain the frames, so one damaged length hides where the next starts. A CRC-valid frame
 * at a wrong offset is not a practical risk (a 2^-32 chance).
 */
export function nextFrameAt(buf: Buffer, from: number): number | undefined {
  for (let at = from; at + FRAME_HEADER_BYTES <= buf.length; at++) if (checkFrame(buf, at).kind === 'intact') return at;
  return undefined;
}

function decodePayload(buf: Buffer, from: number, end: number): StoredReading[] | undefined {
  const out: StoredReading[] = [];
  let at = from;
  while (at < end) {
    const device = nameAt(buf, at, end);
    if (device === undefined) return undefined;
    at += 2 + buf.readUInt16LE(at);
    const greenhouse = nameAt(buf, at, end);
    if (greenhouse === undefined) return undefined;
    at += 2 + buf.readUInt16LE(at);
    if (at + 4 > end) return undefined;
    const count = buf.readUInt32LE(at);
    at += 4;
    for (let k = 0; k < count; k++) {
      if (at + 8 > end) return undefined;
      const ts = buf.readDoubleLE(at);
      const metric = nameAt(buf, at + 8, end);
      if (metric === undefined) return undefined;
      at += 10 + buf.readUInt16LE(at + 8);
      if (at + 8 > end) return undefined;
      const value = buf.readDoubleLE(at);
      at += 8;
      out.push({ device, greenhouse, metric, ts, value });
    }
  }
  return out;
}

/** Decoded names by a hash of their bytes: ids and metric keys repeat record after record, and a hit costs a third of a new string. */
const NAMES: Array<{ readonly bytes: Uint8Array; readonly text: string } | undefined> = new Array(4096);

/** The str at `at` (u16 length, UTF-8), undefined if it runs past `limit`. */
function nameAt(buf: Buffer, at: number, limit: number): string | undefined {
  if (at + 2 > limit) return undefined;
  const start = at + 2;
  const end = start + buf.readUInt16LE(at);
  if (end > limit) return undefined;
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ (buf[k] as number), 0x01000193);
  const slot = (h >>> 0) & 4095;
  const hit = NAMES[slot];
  if (hit && hit.bytes.length === end - start) {
    let k = 0;
    while (k < hit.bytes.length && hit.bytes[k] === buf[start + k]) k++;
    if (k === hit.bytes.length) return hit.text;
  }
  const text = buf.toString('utf8', start, end);
  NAMES[slot] = { bytes: Uint8Array.prototype.slice.call(buf, start, end), text };
  return text;
}

/**
 * A record of the JSON-lines journal that came before (`*.jnl`), so an upgrade replays what an
 * older ingest left: `[[device, greenhouse, [[ts, metric, value], …]], …]`. Undefined for a line
 * that is not a whole record.
 */
export function decodeLegacyRecord(line: string): StoredReading[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(body)) return undefined;
  const out: StoredReading[] = [];
  for (const group of body as unknown[]) {
    if (!Array.isArray(group) || typeof group[0] !== 'string' || typeof group[1] !== 'string' || !Array.isArray(group[2])) return undefined;
    const [device, greenhouse, rows] = group as [string, string, unknown[]];
    for (const row of rows) {
      if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[1] !== 'string' || typeof row[2] !== 'number') return undefined;
      out.push({ device, greenhouse, ts: row[0], metric: row[1], value: row[2] });
    }
  }
  return out;
}
