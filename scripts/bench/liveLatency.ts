/**
 * Millisecond latency counts for the live-view benchmark, kept per second of the readings'
 * publish time so that a run's first seconds can be told from its steady state. The socket
 * processes export theirs sparsely and the benchmark merges them.
 */

import type { LiveSample } from '@canopy/core';

/** Latencies up to a minute; beyond lands in the last slot. */
const SLOTS = 60_001;

export interface Quantiles {
  readonly total: number;
  quantile(q: number): number | undefined;
}

/** Per second: [second, [ms, count, ms, count, …]] for the slots that are not empty. */
export type SparseCounts = Array<[second: number, pairs: number[]]>;

export function latencyRecorder() {
  const bySecond = new Map<number, Uint32Array>();
  // The readings of a message nearly all fall in one second: the last second's counts are at hand.
  let lastSecond = Number.NaN;
  let counts: Uint32Array = new Uint32Array(0);
  const slotsOf = (second: number) => {
    let c = bySecond.get(second);
    if (!c) {
      c = new Uint32Array(SLOTS);
      bySecond.set(second, c);
    }
    return c;
  };
  return {
    /** `n` readings of one timestamp that arrived together. */
    add(ts: number, ms: number, n = 1) {
      const second = Math.floor(ts / 1_000);
      if (second !== lastSecond) {
        lastSecond = second;
        counts = slotsOf(second);
      }
      const slot = Math.min(SLOTS - 1, Math.max(0, Math.round(ms)));
      counts[slot] = (counts[slot] ?? 0) + n;
    },
    export(): SparseCounts {
      const out: SparseCounts = [];
      for (const [second, c] of bySecond) {
        const pairs: number[] = [];
        c.forEach((n, ms) => {
          if (n > 0) pairs.push(ms, n);
        });
        out.push([second, pairs]);
      }
      return out;
    },
    merge(sparse: SparseCounts) {
      for (const [second, pairs] of sparse) {
        const c = slotsOf(second);
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const ms = pairs[i] as number;
          c[ms] = (c[ms] ?? 0) + (pairs[i + 1] as number);
        }
      }
    },
    /** Quantiles of the readings published in the whole seconds from `fromTs` on. */
    since(fromTs = Number.NEGATIVE_INFINITY): Quantiles {
      const merged = new Uint32Array(SLOTS);
      let total = 0;
      for (const [second, c] of bySecond) {
        if (second * 1_000 < fromTs) continue;
        for (let ms = 0; ms < c.length; ms++) {
          const n = c[ms] ?? 0;
          merged[ms] = (merged[ms] ?? 0) + n;
          total += n;
        }
      }
      return {
        total,
        quantile(q: number): number | undefined {
          if (total === 0) return undefined;
          const rank = Math.ceil(q * total);
          let seen = 0;
          for (let ms = 0; ms < merged.length; ms++) {
            seen += merged[ms] ?? 0;
            if (seen >= rank) return ms;
          }
          return undefined;
        },
      };
    },
  };
}

export type LatencyRecorder = ReturnType<typeof latencyRecorder>;

/** Readings in a live sample: each is one latency sample. */
export function metricCount(sample: LiveSample): number {
  let n = 0;
  for (const _ in sample.m) n += 1;
  return n;
}
