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

/**
 * The usual record, one device in one greenhouse, written directly rather than through
 * JSON.stringify of nested arrays (a row array per reading was a measurable share of ingest's CPU
 * and garbage). The bytes are exactly JSON.stringify's: the tests compare the two.
 */
function oneGroup(readings: readonly StoredReading[]): string | undefined {
  const first = readings[0];
  if (!first) return undefined;
  const { device, greenhouse } = first;
  let out = `[[${json(device)},${json(greenhouse)},[`;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as StoredReading;
    if (r.device !== device || r.greenhouse !== greenhouse) return undefined;
    out += `${i === 0 ? '[' : ',['}${jsonNumber(r.ts)},${jsonString(r.metric)},${jsonNumber(r.value)}]`;
  }
  return `${out}]]]\n`;
}

/** JSON.stringify's number: for a finite one, the shortest round-trip form, which is String's. */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : json(n);
}

/** Metric keys are validated to this, which JSON writes as is between quotes. */
const PLAIN = /^[a-z0-9_.]*$/;

function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : json(s);
}

/** Anything else as JSON.stringify writes it inside an array. */
function json(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
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
