import type { StoredReading } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from './journalRecord.ts';

/** What the encoder wrote before it skipped JSON.stringify for the usual record: the bytes must not change. */
const reference = (device: string, greenhouse: string, readings: readonly StoredReading[]) =>
  `${JSON.stringify([[device, greenhouse, readings.map((r) => [r.ts, r.metric, r.value])]])}\n`;

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
  'lone \ud800',
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

describe('journal record encoding', () => {
  it('writes the same bytes as JSON.stringify for one device in one greenhouse', () => {
    const next = random(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const number = () => (next() < 0.5 ? pick(NUMBERS) : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    for (let i = 0; i < 2_000; i++) {
      const device = pick(IDS);
      const greenhouse = pick(IDS);
      const readings: StoredReading[] = Array.from({ length: 1 + Math.floor(next() * 12) }, () => ({
        device,
        greenhouse,
        metric: pick(METRICS),
        ts: next() < 0.8 ? 1_700_000_000_000 + Math.floor(next() * 1e9) : number(),
        value: number(),
      }));
      const line = encodeRecord(readings);
      expect(line).toBe(reference(device, greenhouse, readings));
      // -0 comes back as 0, as it always did through JSON.
      expect(decodeRecord(line.trimEnd())).toEqual(readings.map((r) => ({ ...r, ts: r.ts + 0, value: r.value + 0 })));
    }
  });

  it('writes what JSON.stringify writes even for numbers that are not finite', () => {
    const readings = [NaN, Infinity, -Infinity].map((value) => ({ device: 'd', greenhouse: 'g', metric: 'm', ts: 1, value }));
    expect(encodeRecord(readings)).toBe(reference('d', 'g', readings));
  });

  it('groups a record spanning greenhouses or devices, and decodes it back', () => {
    const r = (device: string, greenhouse: string, ts: number): StoredReading => ({
      device,
      greenhouse,
      metric: 'air_temp_c',
      ts,
      value: ts / 10,
    });
    const readings = [r('a', 'gh-1', 1), r('a', 'gh-1', 2), r('a', 'gh-"2"', 3), r('a', 'gh-1', 4), r('b\\', 'gh-1', 5)];
    const line = encodeRecord(readings);
    expect(line).toBe(
      `${JSON.stringify([
        [
          'a',
          'gh-1',
          [
            [1, 'air_temp_c', 0.1],
            [2, 'air_temp_c', 0.2],
            [4, 'air_temp_c', 0.4],
          ],
        ],
        ['a', 'gh-"2"', [[3, 'air_temp_c', 0.3]]],
        ['b\\', 'gh-1', [[5, 'air_temp_c', 0.5]]],
      ])}\n`,
    );
    expect(decodeRecord(line)?.sort((x, y) => x.ts - y.ts)).toEqual(readings);
    expect(encodeRecord([])).toBe('[]\n');
  });
});
