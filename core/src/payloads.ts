/**
 * Payload schemas of protocol v1. The same TypeBox schemas validate MQTT payloads in ingest
 * and describe them in the API, so a device and a REST client meet one definition.
 */
import Type, { type Static } from 'typebox';

const EpochMs = Type.Integer({ minimum: 946_684_800_000, maximum: 8_640_000_000_000, description: 'epoch milliseconds' });

/** Values stay `unknown` here: each reading is checked on its own, so one bad value cannot sink its neighbours. */
const Measurements = Type.Record(Type.String(), Type.Unknown(), { description: 'metric key → value' });

export const TelemetryReading = Type.Object({
  ts: Type.Optional(EpochMs),
  seq: Type.Optional(Type.Integer({ minimum: 0 })),
  m: Measurements,
});
export type TelemetryReading = Static<typeof TelemetryReading>;

export const MAX_BATCH_ITEMS = 2_000;

export const TelemetryBatch = Type.Object({
  batch: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_BATCH_ITEMS }),
});

/** Items of a store-and-forward batch carry their own timestamp. */
export const BatchItem = Type.Object({
  ts: EpochMs,
  seq: Type.Optional(Type.Integer({ minimum: 0 })),
  m: Measurements,
});

export const DeviceState = Type.Union([Type.Literal('online'), Type.Literal('offline')]);
export type DeviceState = Static<typeof DeviceState>;

export const StatusPayload = Type.Object({ state: DeviceState });
export type StatusPayload = Static<typeof StatusPayload>;

export const CommandPayload = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  ts: EpochMs,
  expires_at: EpochMs,
  actuator: Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }),
  action: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('set')]),
  value: Type.Optional(Type.Number()),
  duration_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
});
export type CommandPayload = Static<typeof CommandPayload>;

export const AckPayload = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  ok: Type.Boolean(),
  state: Type.Optional(Type.String({ maxLength: 32 })),
  value: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String({ maxLength: 200 })),
});
export type AckPayload = Static<typeof AckPayload>;

/** One accepted reading, as the dashboard uses it: `liveReadings` unpacks a live message into these. */
export interface LiveReading {
  device: string;
  metric: string;
  ts: number;
  value: number;
}

/**
 * A device's accepted readings of one timestamp, metric key → value, as they travel from ingest to
 * the API and the dashboard. Naming the device and timestamp once per sample instead of once per
 * reading makes live messages ~3 times smaller: a phone watching a greenhouse of 30 devices gets
 * ~4 × 7 KB a second instead of ~4 × 22 KB, and every hop encodes and decodes that much less.
 */
export const LiveSample = Type.Object({
  device: Type.String(),
  ts: Type.Integer(),
  m: Type.Record(Type.String(), Type.Number()),
});
export type LiveSample = Static<typeof LiveSample>;

export const LiveMessage = Type.Object({
  greenhouse: Type.String(),
  samples: Type.Array(LiveSample),
});
export type LiveMessage = Static<typeof LiveMessage>;

/** The readings of a live message, one per device, metric and timestamp. */
export function liveReadings(message: LiveMessage): LiveReading[] {
  const out: LiveReading[] = [];
  for (const { device, ts, m } of message.samples) for (const metric in m) out.push({ device, metric, ts, value: m[metric] as number });
  return out;
}
