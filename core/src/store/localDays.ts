/**
 * Local calendar days in an IANA time zone, for daily history buckets that start at the
 * cooperative's midnight. Offsets come from Intl, so zones with daylight saving work too.
 */
import { utcOffsetMs } from '../timeZone.ts';
import { DAY_MS } from './rollups.ts';
import { StoreError } from './timeSeriesStore.ts';

export function checkTimeZone(timeZone: string): void {
  zoneOffsetMs(0, timeZone);
}

/** Local time minus UTC at `ts`, in ms. */
export function zoneOffsetMs(ts: number, timeZone: string): number {
  const offset = utcOffsetMs(timeZone, ts);
  if (offset === undefined) throw new StoreError('CANOPY_STORE_INVALID', `unknown time zone ${JSON.stringify(timeZone.slice(0, 64))}`);
  return offset;
}

/** Local days since 1970-01-01 of the local date at `ts`. */
export function localDayNumber(ts: number, timeZone: string): number {
  return Math.floor((ts + zoneOffsetMs(ts, timeZone)) / DAY_MS);
}

/** The instant local day `day` begins (its midnight, or the first instant after a midnight skipped by DST). */
export function localMidnight(day: number, timeZone: string): number {
  const guess = day * DAY_MS;
  let t = guess - zoneOffsetMs(guess, timeZone);
  const second = guess - zoneOffsetMs(t, timeZone);
  // The offset at the guess may differ from the offset at midnight when a change falls in between.
  if (second !== t && localDayNumber(second, timeZone) === day) t = second;
  return t;
}

/**
 * Bucketing into runs of `days` local days, numbered from 1970-01-01 like time(Nd) is numbered
 * from the epoch. Returns a function from an instant to its bucket's start, valid for instants in
 * [from, to); it precomputes the day boundaries once, so folding a year of hours stays cheap.
 */
export function localDayBuckets(
  from: number,
  to: number,
  days: number,
  timeZone: string,
): { bucketOf(ts: number): number; boundaries: number[] } {
  const firstDay = localDayNumber(from, timeZone);
  const lastDay = localDayNumber(Math.max(from, to - 1), timeZone);
  const starts: number[] = [];
  const bucketStarts: number[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    starts.push(localMidnight(day, timeZone));
    const first = Math.floor(day / days) * days;
    bucketStarts.push(first === day ? (starts[starts.length - 1] ?? 0) : localMidnight(first, timeZone));
  }
  return {
    boundaries: starts,
    bucketOf(ts) {
      // Binary search for the last day starting at or before ts.
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= ts) lo = mid;
        else hi = mid - 1;
      }
      return bucketStarts[lo] ?? ts;
    },
  };
}
