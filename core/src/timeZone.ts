/** UTC offsets of IANA time zones from Intl, so zones with daylight saving work too. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat | undefined {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return undefined;
    }
    formatters.set(timeZone, format);
  }
  return format;
}

/** Local time minus UTC at instant `at`, in ms; undefined for an unknown zone. */
export function utcOffsetMs(timeZone: string, at: number): number | undefined {
  const format = formatter(timeZone);
  if (!format) return undefined;
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return wall - Math.floor(at / 1_000) * 1_000;
}

/** Minutes east of UTC in `timeZone` at instant `at`; undefined for an unknown zone. */
export function utcOffsetMinutes(timeZone: string, at: number): number | undefined {
  const ms = utcOffsetMs(timeZone, at);
  return ms === undefined ? undefined : Math.round(ms / 60_000);
}
