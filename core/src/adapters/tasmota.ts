/**
 * Tasmota payloads, translated to protocol v1. Sensor readings arrive as `tele/<topic>/SENSOR`
 * JSON with one block per sensor (`{"Time":"…","BME280":{"Temperature":24.1,…},"TempUnit":"C"}`);
 * availability as the retained LWT `Online`/`Offline`; relay states as `stat/<topic>/RESULT`.
 */
import type { CommandPayload } from '../payloads.ts';
import type { FieldMapping } from './mapping.ts';

export interface AdapterReading {
  readonly ts: number;
  readonly m: Record<string, number>;
}

export interface SensorContext {
  readonly mapping: FieldMapping;
  /** Minutes east of UTC of the board's clock. */
  readonly utcOffsetMin: number;
  readonly receivedAt: number;
  /** Beyond this distance from the arrival time the board's clock is not trusted. */
  readonly maxSkewMs: number;
}

export interface SensorResult {
  /** Undefined when nothing in the payload maps to a canonical metric. */
  readonly reading?: AdapterReading;
  /** The board's `Time` was unusable or too far off: the arrival time was used. */
  readonly clockSkew: boolean;
}

/** Tasmota's `Time`: local wall-clock time, no offset (`2024-01-15T12:00:00`). */
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

function boardTime(raw: unknown, utcOffsetMin: number): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = LOCAL_TIME.exec(raw);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - utcOffsetMin * 60_000;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Canonical temperatures are °C (the `_c` suffix); Tasmota reports in TempUnit. */
function toCanonical(metric: string, value: number, tempUnit: unknown): number {
  const celsius = /_c(\.\d+)?$/.test(metric);
  if (!celsius) return value;
  if (tempUnit === 'F') return Math.round((((value - 32) * 5) / 9) * 1_000) / 1_000;
  if (tempUnit === 'K') return Math.round((value - 273.15) * 1_000) / 1_000;
  return value;
}

export function parseTasmotaSensor(payload: string, ctx: SensorContext): SensorResult {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return { clockSkew: false };
  }
  if (!isObject(body)) return { clockSkew: false };
  const m: Record<string, number> = {};
  for (const [sensor, block] of Object.entries(body)) {
    if (!isObject(block)) continue;
    for (const [field, value] of Object.entries(block)) {
      const metric = ctx.mapping[`${sensor}.${field}`];
      if (metric === undefined || typeof value !== 'number' || !Number.isFinite(value)) continue;
      m[metric] = toCanonical(metric, value, body.TempUnit);
    }
  }
  if (Object.keys(m).length === 0) return { clockSkew: false };
  const ts = boardTime(body.Time, ctx.utcOffsetMin);
  const trusted = ts !== undefined && Math.abs(ts - ctx.receivedAt) <= ctx.maxSkewMs;
  return { reading: { ts: trusted ? ts : ctx.receivedAt, m }, clockSkew: !trusted };
}

/** The LWT payload: `Online` or `Offline` (Tasmota's defaults). */
export function parseTasmotaLwt(payload: string): 'online' | 'offline' | undefined {
  const text = payload.trim().toLowerCase();
  return text === 'online' || text === 'offline' ? text : undefined;
}

/** `{"POWER1":"ON"}` (or `POWER` for a single relay) → relay index and state. */
export function parseTasmotaResult(payload: string): Array<{ relay: number; state: 'on' | 'off' }> {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!isObject(body)) return [];
  const out: Array<{ relay: number; state: 'on' | 'off' }> = [];
  for (const [key, value] of Object.entries(body)) {
    const match = /^POWER([1-9]\d?)?$/.exec(key);
    if (!match || (value !== 'ON' && value !== 'OFF')) continue;
    out.push({ relay: match[1] === undefined ? 1 : Number(match[1]), state: value === 'ON' ? 'on' : 'off' });
  }
  return out;
}

/** The relay an actuator drives: `relay_2`, `valve_2`, … → 2; a name without a number → 1. */
export function relayOf(actuator: string): number {
  const match = /_([1-9]\d?)$/.exec(actuator);
  return match ? Number(match[1]) : 1;
}

export type TasmotaCommand = { readonly suffix: string; readonly payload: 'ON' | 'OFF' } | { readonly error: string };

/** A protocol v1 command as Tasmota's `POWER<n>` command, or why it cannot be one. */
export function tasmotaCommand(command: CommandPayload, now: number): TasmotaCommand {
  if (command.expires_at < now) return { error: 'expired' };
  if (command.action === 'set') return { error: 'unsupported_action' };
  // Tasmota would keep the relay on after a lost "off": a timed run is refused rather than half-done.
  if (command.duration_s !== undefined) return { error: 'duration_unsupported' };
  return { suffix: `POWER${relayOf(command.actuator)}`, payload: command.action === 'on' ? 'ON' : 'OFF' };
}
