import Type from 'typebox';

export const DeviceKind = Type.Union([Type.Literal('canopy'), Type.Literal('tasmota'), Type.Literal('esphome')]);

export const ProvisionBody = Type.Object(
  {
    greenhouseId: Type.String({ maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: DeviceKind,
    topic: Type.Optional(Type.String({ maxLength: 64, description: 'Tasmota topic or ESPHome node name (topic_prefix)' })),
    mapping: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 64 }), { description: 'raw field → canonical metric key' }),
    ),
    intervalS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'usual reporting interval, for staleness' })),
    utcOffsetMin: Type.Optional(Type.Integer({ minimum: -840, maximum: 840, description: "the board clock's offset from UTC" })),
  },
  { additionalProperties: false },
);

export const IssuedCredentials = Type.Object({
  id: Type.String(),
  mqtt: Type.Object({ username: Type.String(), password: Type.String(), clientId: Type.String() }),
});

export const DeviceBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: DeviceKind,
  greenhouseId: Type.Union([Type.String(), Type.Null()]),
  zoneId: Type.Union([Type.String(), Type.Null()], { description: 'a zone of its greenhouse, or null' }),
  topic: Type.Union([Type.String(), Type.Null()]),
  mapping: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  intervalS: Type.Integer(),
  utcOffsetMin: Type.Union([Type.Integer(), Type.Null()]),
  hasSecret: Type.Boolean(),
  online: Type.Boolean(),
  state: Type.Union([Type.Literal('online'), Type.Literal('stale'), Type.Literal('offline')]),
  lastSeen: Type.Union([Type.Integer(), Type.Null()]),
});

export const DeviceChange = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    zoneId: Type.Optional(
      Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'a zone of the device’s greenhouse; null: none' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
