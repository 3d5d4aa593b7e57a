import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rateLimiter.ts';

describe('rate limiter', () => {
  it('lets a burst through, then spaces publishes at the rate, then gives up on a flooder', () => {
    let t = 0;
    const limiter = createRateLimiter({ ratePerS: 10, burst: 3, maxDelayMs: 250, now: () => t });
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 0, 0]);
    expect(limiter.reserve()).toBeCloseTo(100);
    expect(limiter.reserve()).toBeCloseTo(200);
    expect(limiter.reserve()).toBeUndefined();
    t = 1_000;
    expect(limiter.reserve()).toBe(0);
  });
});
