import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './loginThrottle.ts';

describe('login throttle', () => {
  it('locks an IP and identifier out after the allowed failures until the window ends', () => {
    const throttle = createLoginThrottle({ maxAttempts: 3, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('1.2.3.4', 'a@x', 100)).toBe(0);
      throttle.recordFailure('1.2.3.4', 'a@x', 100);
    }
    expect(throttle.retryAfterMs('1.2.3.4', 'a@x', 200)).toBe(900);
    expect(throttle.retryAfterMs('1.2.3.4', 'b@x', 200)).toBe(0);
    expect(throttle.retryAfterMs('5.6.7.8', 'a@x', 200)).toBe(0);
    expect(throttle.retryAfterMs('1.2.3.4', 'a@x', 1_100)).toBe(0);
  });

  it('catches one IP spraying many identifiers', () => {
    const throttle = createLoginThrottle({ maxAttempts: 2, windowMs: 1_000 });
    for (let i = 0; i < 20; i++) throttle.recordFailure('1.2.3.4', `user${i}`, 0);
    expect(throttle.retryAfterMs('1.2.3.4', 'fresh', 0)).toBe(1_000);
  });
});
