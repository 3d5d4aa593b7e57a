import Type from 'typebox';

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});

export const LatestValue = Type.Object({ value: Type.Number(), ts: Type.Integer(), device: Type.String() });

export const Device = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  online: Type.Boolean(),
  /** `stale`: connected, but no telemetry for 3× its usual interval. */
  state: Type.Union([Type.Literal('online'), Type.Literal('stale'), Type.Literal('offline')]),
  lastSeen: Type.Union([Type.Integer(), Type.Null()]),
  /** When its status last said online; with `intervalS`, lets a client tell stale as time passes. */
  connectedSince: Type.Union([Type.Integer(), Type.Null()]),
  intervalS: Type.Integer(),
});

export const Greenhouse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  farm: Type.Object({ id: Type.String(), name: Type.String() }),
  areaM2: Type.Union([Type.Number(), Type.Null()]),
  structure: Type.Union([Type.String(), Type.Null()]),
  location: Type.Union([Type.String(), Type.Null()]),
  devices: Type.Array(Device),
  latest: Type.Record(Type.String(), LatestValue),
});

export const Cooperative = Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String(), locale: Type.String() });

export const GreenhouseList = Type.Object({ cooperative: Type.Union([Cooperative, Type.Null()]), greenhouses: Type.Array(Greenhouse) });

export const GreenhouseParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const HistoryQuery = Type.Object({
  metrics: Type.Optional(Type.String({ maxLength: 1_000, description: 'comma-separated metric keys' })),
  metric: Type.Optional(Type.String({ maxLength: 64, description: 'one metric key' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; default to − 1 h' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; default now' })),
  by: Type.Optional(Type.Literal('device')),
});

export const HistoryBody = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  step_ms: Type.Integer(),
  series: Type.Array(
    Type.Object({
      metric: Type.String(),
      device: Type.Optional(Type.String()),
      points: Type.Array(Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()])),
    }),
  ),
});
