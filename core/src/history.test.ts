import { describe, expect, it } from 'vitest';
import { chooseStepMs, MAX_BUCKETS } from './history.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('chooseStepMs', () => {
  it.each([
    ['1 h', HOUR],
    ['24 h', DAY],
    ['7 d', 7 * DAY],
    ['30 d', 30 * DAY],
    ['1 y', 365 * DAY],
    ['5 y', 5 * 365 * DAY],
    ['odd', 12_345_678],
  ])('keeps %s within MAX_BUCKETS epoch-aligned buckets', (_, span) => {
    const from = 1_700_000_123_456;
    const step = chooseStepMs(from, from + span);
    const buckets = Math.floor((from + span - 1) / step) - Math.floor(from / step) + 1;
    expect(buckets).toBeLessThanOrEqual(MAX_BUCKETS);
    // And not absurdly coarse: at least a quarter of the allowance is used for long ranges.
    if (span >= DAY) expect(buckets).toBeGreaterThan(MAX_BUCKETS / 5);
  });

  it('never goes below the raw resolution', () => {
    expect(chooseStepMs(0, 60_000)).toBe(10_000);
    expect(chooseStepMs(0, 60_000, 1_000)).toBe(1_000);
  });
});
