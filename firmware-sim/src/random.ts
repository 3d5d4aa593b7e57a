/**
 * Seeded randomness: every stream is derived from the simulator seed and a stable name (a device
 * or greenhouse id), so adding a device does not change what the others publish.
 */

/** Mixes a seed with names and numbers into a 32-bit seed (FNV-1a, then a murmur3 finaliser). */
export function hashSeed(seed: number, ...parts: ReadonlyArray<string | number>): number {
  let h = (2_166_136_261 ^ seed) >>> 0;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16_777_619);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A stateless uniform in [0, 1) for index `n` of a stream: the same day always gets the same weather. */
export function unitHash(seed: number, n: number): number {
  return hashSeed(seed, n) / 4_294_967_296;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  range(min: number, max: number): number;
  /** Standard normal. */
  gaussian(): number;
}

/** mulberry32: tiny, fast and good enough for sensor noise. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b_79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    // Box–Muller; 1 - next() keeps the logarithm finite.
    gaussian: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}
