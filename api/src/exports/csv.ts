/** CSV text for exports (RFC 4180). Ids and metric keys are pattern-checked; quoting covers free-text names. */
import type { RawReading } from './rawReadings.ts';

export const READINGS_CSV_HEADER = 'time,ts_ms,greenhouse,device,metric,value\r\n';

export function csvField(value: string | number): string {
  const text = String(value);
  // A leading = + - @ would be a formula to a spreadsheet; the quote and apostrophe keep it text.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function readingsCsv(greenhouse: string, rows: readonly RawReading[]): string {
  return rows
    .map((r) => [new Date(r.ts).toISOString(), r.ts, greenhouse, r.device, r.metric, r.value].map(csvField).join(','))
    .join('\r\n')
    .concat(rows.length > 0 ? '\r\n' : '');
}
