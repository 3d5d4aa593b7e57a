/**
 * Per-client publish rate: a token bucket whose tokens may be reserved ahead. A publish over
 * the rate waits for its token — Aedes reads no more from that client meanwhile, so TCP pushes
 * back on the flooder alone — and a client that would have to wait longer than `maxDelayMs` is
 * disconnected instead.
 */

export interface RateLimiterOptions {
  readonly ratePerS: number;
  readonly burst: number;
  readonly maxDelayMs: number;
  readonly now?: () => number;
}

export interface RateLimiter {
  /** Milliseconds this publish must wait (0: now), or undefined: disconnect the client. */
  reserve(): number | undefined;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? (() => performance.now());
  let tokens = options.burst;
  let updatedAt = now();
  return {
    reserve() {
      const t = now();
      tokens = Math.min(options.burst, tokens + ((t - updatedAt) * options.ratePerS) / 1_000);
      updatedAt = t;
      const waitMs = tokens >= 1 ? 0 : ((1 - tokens) * 1_000) / options.ratePerS;
      if (waitMs > options.maxDelayMs) return undefined;
      tokens -= 1;
      return waitMs;
    },
  };
}
