/** CSV text for exports (RFC 4180). Ids and metric keys are pattern-checked; quoting covers free-text names. */
import type { AggregateReading } from './aggregateReadings.ts';
import type { RawReading } from './rawReadings.ts';

export const READINGS_CSV_HEADER = 'time,ts_ms,greenhouse,device,metric,value\r\n';
export const AGGREGATES_CSV_HEADER = 'time,ts_ms,greenhouse,device,metric,mean,min,max\r\n';

export function csvField(value: string | number): string {
  const text = String(value);
  // A leading = + - @ would be a formula to a spreadsheet; the quote and apostrophe keep it text.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLines(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

export function readingsCsv(greenhouse: string, rows: readonly RawReading[]): string {
  return csvLines(rows.map((r) => [new Date(r.ts).toISOString(), r.ts, greenhouse, r.device, r.metric, r.value]));
}

export function aggregatesCsv(greenhouse: string, rows: readonly AggregateReading[]): string {
  return csvLines(rows.map((r) => [new Date(r.ts).toISOString(), r.ts, greenhouse, r.device, r.metric, r.mean, r.min, r.max]));
}
