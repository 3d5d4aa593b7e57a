/**
 * Turns a telemetry payload into readings, one reading at a time: the envelope is checked by
 * schema, then every metric on its own, so the good readings of a payload survive its bad ones.
 */
import { Compile } from 'typebox/compile';
import { airVpdKpa, dewPointC } from './agronomy.ts';
import { METRICS, type MetricKey, metricKey, parseMetricKey } from './metrics.ts';
import { BatchItem, TelemetryBatch, TelemetryReading } from './payloads.ts';
import { decodeUtf8 } from './utf8.ts';

export interface Reading {
  readonly device: string;
  readonly metric: string;
  /** Device time in epoch ms, or the time the first durable hop stamped. */
  readonly ts: number;
  readonly value: number;
}

export const REJECT_REASONS = [
  'bad_topic',
  'bad_json',
  'bad_envelope',
  'bad_metric_name',
  'unknown_metric',
  'derived_metric',
  'bad_value',
  'out_of_range',
  'ts_too_old',
  'ts_in_future',
  'unknown_device',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
}

export interface ParsedTelemetry {
  readonly readings: Reading[];
  readonly rejections: Rejection[];
}

export interface TelemetryLimits {
  readonly now: number;
  /** Oldest accepted device timestamp, relative to now (store-and-forward). */
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
}

const checkReading = Compile(TelemetryReading);
const checkBatch = Compile(TelemetryBatch);
const checkBatchItem = Compile(BatchItem);

/**
 * Valid metric keys, parsed once: every message names the same few keys, and the pattern match
 * was a good share of ingest's CPU. Only keys that parse are kept (there are at most
 * 15 metrics × 99 channels), so junk keys cannot grow it.
 */
const parsedKeys = new Map<string, MetricKey>();
function parseKey(key: string): MetricKey | undefined {
  const known = parsedKeys.get(key);
  if (known) return known;
  const parsed = parseMetricKey(key);
  if (parsed) parsedKeys.set(key, parsed);
  return parsed;
}

const MAX_DETAIL = 80;
const clip = (text: string) => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text);

export function parseTelemetry(device: string, payload: Uint8Array | string, limits: TelemetryLimits): ParsedTelemetry {
  const out: ParsedTelemetry = { readings: [], rejections: [] };
  let body: unknown;
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : decodeUtf8(payload));
  } catch (err) {
    out.rejections.push({ reason: 'bad_json', detail: clip((err as Error).message) });
    return out;
  }
  if (checkBatch.Check(body)) {
    body.batch.forEach((item, i) => {
      if (checkBatchItem.Check(item)) addEnvelope(device, item.ts, item.m, limits, out);
      else out.rejections.push({ reason: 'bad_envelope', detail: `batch[${i}]: needs integer ts and object m` });
    });
  } else if (checkReading.Check(body)) {
    addEnvelope(device, body.ts ?? limits.now, body.m, limits, out);
  } else {
    out.rejections.push({ reason: 'bad_envelope', detail: 'expected {"m": {...}} or {"batch": [...]}' });
  }
  return out;
}

function addEnvelope(device: string, ts: number, m: Record<string, unknown>, limits: TelemetryLimits, out: ParsedTelemetry): void {
  if (ts < limits.now - limits.maxAgeMs) {
    out.rejections.push({ reason: 'ts_too_old', detail: `ts ${ts}` });
    return;
  }
  if (ts > limits.now + limits.maxFutureMs) {
    out.rejections.push({ reason: 'ts_in_future', detail: `ts ${ts}` });
    return;
  }
  const first = out.readings.length;
  // Air temperature and humidity per channel, for the derived readings.
  let pairs: Map<number, { t?: number; rh?: number }> | undefined;
  for (const key in m) {
    if (!Object.hasOwn(m, key)) continue;
    const value = m[key];
    const parsed = parseKey(key);
    const rejection = checkMetric(key, parsed, value);
    if (rejection) {
      out.rejections.push(rejection);
      continue;
    }
    out.readings.push({ device, metric: key, ts, value: value as number });
    const metric = parsed?.metric;
    if (metric === 'air_temp_c' || metric === 'rh_pct') {
      pairs ??= new Map();
      const channel = (parsed as MetricKey).channel;
      const slot = pairs.get(channel) ?? {};
      if (metric === 'air_temp_c') slot.t = value as number;
      else slot.rh = value as number;
      pairs.set(channel, slot);
    }
  }
  if (pairs && out.readings.length > first) deriveReadings(device, ts, pairs, out.readings);
}

function checkMetric(key: string, parsed: MetricKey | undefined, value: unknown): Rejection | undefined {
  if (!parsed) {
    const wellFormed = /^[a-z][a-z0-9_]{0,47}(\.[1-9][0-9]?)?$/.test(key);
    return wellFormed ? { reason: 'unknown_metric', detail: key } : { reason: 'bad_metric_name', detail: clip(JSON.stringify(key)) };
  }
  const spec: { min: number; max: number; derived?: true } = METRICS[parsed.metric];
  if (spec.derived) return { reason: 'derived_metric', detail: key };
  if (typeof value !== 'number' || !Number.isFinite(value))
    return { reason: 'bad_value', detail: `${key}=${clip(JSON.stringify(value) ?? String(value))}` };
  if (value < spec.min || value > spec.max) return { reason: 'out_of_range', detail: `${key}=${value} outside [${spec.min}, ${spec.max}]` };
  return undefined;
}

/** Air VPD and dew point for every channel that has both air temperature and humidity in one envelope. */
function deriveReadings(device: string, ts: number, pairs: Map<number, { t?: number; rh?: number }>, out: Reading[]): void {
  for (const [channel, { t, rh }] of pairs) {
    if (t === undefined || rh === undefined) continue;
    out.push({ device, ts, metric: metricKey('air_vpd_kpa', channel), value: round(airVpdKpa(t, rh), 4) });
    const dew = dewPointC(t, rh);
    if (dew !== undefined) out.push({ device, ts, metric: metricKey('dew_point_c', channel), value: round(dew, 3) });
  }
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
