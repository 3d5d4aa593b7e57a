/**
 * Turns a telemetry payload into readings, one reading at a time: the envelope is checked by
 * schema, then every metric on its own, so the good readings of a payload survive its bad ones.
 */
import { Compile } from 'typebox/compile';
import { airVpdKpa, dewPointC } from './agronomy.ts';
import { METRICS, type MetricName, metricKey, parseMetricKey } from './metrics.ts';
import { BatchItem, TelemetryBatch, TelemetryReading } from './payloads.ts';

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

const MAX_DETAIL = 80;
const clip = (text: string) => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text);

export function parseTelemetry(device: string, payload: Uint8Array | string, limits: TelemetryLimits): ParsedTelemetry {
  const out: ParsedTelemetry = { readings: [], rejections: [] };
  let body: unknown;
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
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
  const accepted: Reading[] = [];
  for (const [key, value] of Object.entries(m)) {
    const rejection = checkMetric(key, value);
    if (rejection) out.rejections.push(rejection);
    else accepted.push({ device, metric: key, ts, value: value as number });
  }
  out.readings.push(...accepted, ...deriveReadings(accepted));
}

function checkMetric(key: string, value: unknown): Rejection | undefined {
  const parsed = parseMetricKey(key);
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
function deriveReadings(envelope: readonly Reading[]): Reading[] {
  const byChannel = new Map<number, Partial<Record<MetricName, number>>>();
  for (const r of envelope) {
    const parsed = parseMetricKey(r.metric);
    if (parsed?.metric !== 'air_temp_c' && parsed?.metric !== 'rh_pct') continue;
    const slot = byChannel.get(parsed.channel) ?? {};
    slot[parsed.metric] = r.value;
    byChannel.set(parsed.channel, slot);
  }
  const derived: Reading[] = [];
  for (const [channel, { air_temp_c: t, rh_pct: rh }] of byChannel) {
    const first = envelope[0];
    if (t === undefined || rh === undefined || !first) continue;
    const at = { device: first.device, ts: first.ts };
    derived.push({ ...at, metric: metricKey('air_vpd_kpa', channel), value: round(airVpdKpa(t, rh), 4) });
    const dew = dewPointC(t, rh);
    if (dew !== undefined) derived.push({ ...at, metric: metricKey('dew_point_c', channel), value: round(dew, 3) });
  }
  return derived;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
