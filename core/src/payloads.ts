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

/** One accepted reading as it travels from ingest to the API and the dashboard. */
export const LiveReading = Type.Object({
  device: Type.String(),
  metric: Type.String(),
  ts: Type.Integer(),
  value: Type.Number(),
});
export type LiveReading = Static<typeof LiveReading>;

export const LiveMessage = Type.Object({
  greenhouse: Type.String(),
  readings: Type.Array(LiveReading),
});
export type LiveMessage = Static<typeof LiveMessage>;
