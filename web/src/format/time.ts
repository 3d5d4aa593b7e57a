import { utcOffsetMs } from '@canopy/core';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Map<string, Intl.RelativeTimeFormat>();

/** "5 phút trước" / "5 minutes ago"; under a minute the caller's own wording, since Intl has none that reads well. */
export function formatAgo(ts: number, now: number, locale: string, justNow: string): string {
  const age = now - ts;
  if (age < MINUTE) return justNow;
  let rtf = relative.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    relative.set(locale, rtf);
  }
  if (age < HOUR) return rtf.format(-Math.floor(age / MINUTE), 'minute');
  if (age < DAY) return rtf.format(-Math.floor(age / HOUR), 'hour');
  return rtf.format(-Math.floor(age / DAY), 'day');
}

/** How far `timeZone` is ahead of UTC at instant `ts`, in ms (+7 h for Asia/Ho_Chi_Minh). */
export function timeZoneOffsetMs(ts: number, timeZone: string): number {
  const offset = utcOffsetMs(timeZone, ts);
  if (offset === undefined) throw new RangeError(`unknown time zone ${timeZone}`);
  return offset;
}

const TICK_STEPS = [
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/**
 * Axis ticks on round local times (whole quarter hours, local midnight…) of the cooperative's zone,
 * at most `maxTicks` so labels fit a phone. The offset is taken at `from`: right for zones without DST.
 */
export function timeTicks(from: number, to: number, timeZone: string, maxTicks = 5): number[] {
  const step = TICK_STEPS.find((s) => (to - from) / s <= maxTicks) ?? 7 * DAY;
  const offset = timeZoneOffsetMs(from, timeZone);
  const ticks: number[] = [];
  for (let t = Math.ceil((from + offset) / step) * step - offset; t <= to; t += step) ticks.push(t);
  return ticks;
}

/** Formats axis labels: clock time for a day or less, day/month beyond. */
export function axisTimeFormat(spanMs: number, locale: string, timeZone: string): Intl.DateTimeFormat {
  return spanMs <= DAY
    ? new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    : new Intl.DateTimeFormat(locale, { timeZone, day: '2-digit', month: '2-digit' });
}

/** Date and time, for tooltips and "last seen". */
export function dateTimeFormat(locale: string, timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}
