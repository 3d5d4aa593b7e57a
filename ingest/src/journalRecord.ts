/**
 * One journal record per MQTT message: its accepted readings, one JSON line. JSON keeps the
 * journal inspectable with `tail`; a torn last line (power cut mid-write) fails to parse and is
 * cut off at recovery — it was never fsynced, so never acknowledged.
 */
import type { StoredReading } from '@canopy/core/node';

type Encoded = [device: string, greenhouse: string, readings: Array<[ts: number, metric: string, value: number]>];

/** Readings of one record share a device; the greenhouse can differ for a batch that spans a reassignment. */
export function encodeRecord(readings: readonly StoredReading[]): string {
  const single = oneGroup(readings);
  if (single !== undefined) return single;
  const groups = new Map<string, Encoded>();
  for (const r of readings) {
    const key = `${r.device}\n${r.greenhouse}`;
    let group = groups.get(key);
    if (!group) {
      group = [r.device, r.greenhouse, []];
      groups.set(key, group);
    }
    group[2].push([r.ts, r.metric, r.value]);
  }
  return `${JSON.stringify([...groups.values()])}\n`;
}

/** The usual record, one device in one greenhouse, without the grouping: the same JSON, one stringify call. */
function oneGroup(readings: readonly StoredReading[]): string | undefined {
  const first = readings[0];
  if (!first) return undefined;
  const rows: Encoded[2] = [];
  for (const r of readings) {
    if (r.device !== first.device || r.greenhouse !== first.greenhouse) return undefined;
    rows.push([r.ts, r.metric, r.value]);
  }
  return `${JSON.stringify([[first.device, first.greenhouse, rows]])}\n`;
}

/** Undefined for a line that is not a whole record. */
export function decodeRecord(line: string): StoredReading[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(body)) return undefined;
  const out: StoredReading[] = [];
  for (const group of body as unknown[]) {
    if (!Array.isArray(group) || typeof group[0] !== 'string' || typeof group[1] !== 'string' || !Array.isArray(group[2])) return undefined;
    const [device, greenhouse, rows] = group as Encoded;
    for (const row of rows) {
      if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[1] !== 'string' || typeof row[2] !== 'number') return undefined;
      out.push({ device, greenhouse, ts: row[0], metric: row[1], value: row[2] });
    }
  }
  return out;
}
