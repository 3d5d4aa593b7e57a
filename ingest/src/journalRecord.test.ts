import type { StoredReading } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { decodeLegacyRecord, encodeRecord, readFrame } from './journalRecord.ts';

const decode = (frame: Buffer, at = 0) => {
  const out = readFrame(frame, at);
  return out.kind === 'record' ? out.readings : out.kind;
};

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// No lone surrogate: names arrive as UTF-8 (MQTT topics and payloads, the database), which cannot hold one.
const IDS = [
  'gh1-climate',
  'd-AbC_9-x',
  'quote"d',
  'back\\slash',
  'tab\there',
  'new\nline',
  'nul\u0000',
  'nhà kính 1',
  'emoji 🌱',
  '</script>',
  '',
];
const METRICS = ['air_temp_c', 'soil_temp_c.2', 'co2_ppm', 'x', 'rh.99', 'Upper', 'with space', 'q"uote', 'b\\s', 'ü', '\u2028'];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  -20.5,
  1 / 3,
  1e21,
  -1e21,
  1e-7,
  5e-7,
  123456789012345680000,
  1.7976931348623157e308,
  5e-324,
  2 ** 53 + 2,
  1_700_000_000_000,
];

describe('journal record frames', () => {
  it('give back exactly the readings, numbers and names of any kind, in order', () => {
    const next = random(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const number = () => (next() < 0.5 ? pick(NUMBERS) : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    for (let i = 0; i < 2_000; i++) {
      // Mostly one device in one greenhouse; now and then a batch spanning several.
      const ids = [pick(IDS), pick(IDS)];
      const readings: StoredReading[] = Array.from({ length: 1 + Math.floor(next() * 12) }, () => ({
        device: next() < 0.9 ? (ids[0] as string) : pick(IDS),
        greenhouse: next() < 0.9 ? (ids[1] as string) : pick(IDS),
        metric: pick(METRICS),
        ts: next() < 0.8 ? 1_700_000_000_000 + Math.floor(next() * 1e9) : number(),
        value: number(),
      }));
      const frame = encodeRecord(readings);
      // Object.is-equal: -0 and NaN survive, as JSON's did not.
      expect(decode(frame)).toEqual(readings);
      const out = readFrame(frame, 0);
      expect(out.kind === 'record' && out.end).toBe(frame.length);
    }
  });

  it('keeps numbers that are not finite', () => {
    const readings = [NaN, Infinity, -Infinity].map((value) => ({ device: 'd', greenhouse: 'g', metric: 'm', ts: 1, value }));
    expect(decode(encodeRecord(readings))).toEqual(readings);
  });

  it('is nothing for no readings, and read one after another from a concatenation', () => {
    expect(encodeRecord([])).toHaveLength(0);
    const a = [{ device: 'a', greenhouse: 'g', metric: 'air_temp_c', ts: 1, value: 20.5 }];
    const b = [{ device: 'b', greenhouse: 'g', metric: 'rh_pct', ts: 2, value: 70 }];
    const both = Buffer.concat([encodeRecord(a), encodeRecord(b)]);
    const first = readFrame(both, 0);
    if (first.kind !== 'record') throw new Error(first.kind);
    expect(first.readings).toEqual(a);
    expect(decode(both, first.end)).toEqual(b);
  });

  it('tell a torn frame (too short) from a damaged one (length or checksum wrong)', () => {
    const frame = encodeRecord([{ device: 'gh1-climate', greenhouse: 'gh-1', metric: 'air_temp_c', ts: 1_700_000_000_000, value: 21.5 }]);
    for (let cut = 0; cut < frame.length; cut++) expect(readFrame(frame.subarray(0, cut), 0).kind).toBe('short');
    for (let at = 0; at < frame.length; at++) {
      const bad = Buffer.from(frame);
      bad[at] = (bad[at] as number) ^ 0x10;
      // A flipped length bit can also make the frame look longer than the bytes: torn, not accepted.
      expect(['damaged', 'short']).toContain(readFrame(bad, 0).kind);
    }
    expect(readFrame(Buffer.alloc(64), 0).kind).toBe('damaged');
  });

  it('refuse a name too long for its length field', () => {
    expect(() => encodeRecord([{ device: 'x'.repeat(70_000), greenhouse: 'g', metric: 'm', ts: 1, value: 1 }])).toThrow(/over 65535 bytes/);
  });
});

describe('JSON-lines records of the journal before', () => {
  it('decode, several greenhouses included, and a torn line does not', () => {
    const line = JSON.stringify([
      [
        'a',
        'gh-1',
        [
          [1, 'air_temp_c', 0.1],
          [2, 'rh_pct', 70],
        ],
      ],
      ['a', 'gh-"2"', [[3, 'air_temp_c', 0.3]]],
    ]);
    expect(decodeLegacyRecord(line)).toEqual([
      { device: 'a', greenhouse: 'gh-1', ts: 1, metric: 'air_temp_c', value: 0.1 },
      { device: 'a', greenhouse: 'gh-1', ts: 2, metric: 'rh_pct', value: 70 },
      { device: 'a', greenhouse: 'gh-"2"', ts: 3, metric: 'air_temp_c', value: 0.3 },
    ]);
    expect(decodeLegacyRecord(line.slice(0, -5))).toBeUndefined();
    expect(decodeLegacyRecord('[["a","g",[[1,2,3]]]]')).toBeUndefined();
  });
});
