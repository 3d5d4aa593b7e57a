import { describe, expect, it } from 'vitest';
import { localDayBuckets, localMidnight, zoneOffsetMs } from './localDays.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('local days', () => {
  it('knows fixed and daylight-saving offsets', () => {
    expect(zoneOffsetMs(Date.UTC(2025, 0, 1), 'Asia/Ho_Chi_Minh')).toBe(7 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2025, 6, 1), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2025, 0, 1), 'Europe/Berlin')).toBe(HOUR);
  });

  it('finds local midnight, on both sides of a DST change', () => {
    const day = Date.UTC(2025, 2, 30) / DAY; // Berlin moves to summer time at 02:00 that day
    expect(localMidnight(day, 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 29, 23));
    expect(localMidnight(day + 1, 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 30, 22));
    expect(localMidnight(day, 'Asia/Ho_Chi_Minh')).toBe(Date.UTC(2025, 2, 29, 17));
  });

  it('groups instants into runs of local days', () => {
    const from = Date.UTC(2025, 0, 1);
    const days = localDayBuckets(from, from + 10 * DAY, 1, 'Asia/Ho_Chi_Minh');
    expect(days.bucketOf(from + 16 * HOUR + 59 * 60_000)).toBe(from - 7 * HOUR);
    expect(days.bucketOf(from + 17 * HOUR)).toBe(from + 17 * HOUR);
    const weeks = localDayBuckets(from, from + 30 * DAY, 7, 'UTC');
    // Day numbers count from 1970-01-01 (a Thursday), like time(7d) in InfluxQL.
    expect(new Date(weeks.bucketOf(from + 3 * DAY)).getUTCDay()).toBe(4);
  });

  it('refuses an unknown zone with a coded error', () => {
    expect(() => zoneOffsetMs(0, 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'CANOPY_STORE_INVALID' }));
  });
});
