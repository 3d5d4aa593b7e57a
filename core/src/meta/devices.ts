/**
 * The device registry: provisioning, credential rotation and revocation, and the records the
 * broker authenticates against. Every change to a secret raises the device's
 * `credentials_version` above all others, so a broker in another process finds the changes
 * since its last poll with one indexed query.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type FieldMapping, mappingProblem } from '../adapters/mapping.ts';
import { TASMOTA_PREFIXES } from '../adapters/tasmotaTopics.ts';
import { ID_PATTERN } from '../topics.ts';
import type { MetaDb } from './database.ts';
import { hashDeviceSecret, newDeviceSecret } from './deviceSecrets.ts';
import type { DeviceKind } from './schema.ts';

export const DEVICE_KINDS: readonly DeviceKind[] = ['canopy', 'tasmota', 'esphome'];

/** Usual reporting intervals: Tasmota's TelePeriod and ESPHome's update_interval defaults. */
const DEFAULT_INTERVAL_S: Record<DeviceKind, number> = { canopy: 10, tasmota: 300, esphome: 60 };

/** Names an adapter topic may not take: they would overlap Canopy's or Tasmota's topic roots. */
const RESERVED_TOPICS = new Set(['canopy', 'homeassistant', ...TASMOTA_PREFIXES]);

export class DeviceError extends Error {
  constructor(
    readonly code: 'CANOPY_BAD_DEVICE' | 'CANOPY_DEVICE_TOPIC_TAKEN',
    message: string,
  ) {
    super(message);
  }
}

export interface MqttCredentials {
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
}

export interface ProvisionInput {
  /** A fixed id, for seeding known devices (the demo); through the API the registry always chooses. */
  readonly id?: string;
  readonly greenhouseId: string;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly topic?: string;
  readonly mapping?: FieldMapping;
  readonly intervalS?: number;
  readonly utcOffsetMin?: number;
  readonly now?: number;
}

export interface DeviceDetails {
  readonly id: string;
  readonly cooperativeId: string;
  readonly greenhouseId: string | null;
  /** A zone of its greenhouse, or null. */
  readonly zoneId: string | null;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly topic: string | null;
  readonly mapping: FieldMapping | null;
  readonly intervalS: number;
  readonly utcOffsetMin: number | null;
  readonly hasSecret: boolean;
}

/** What the broker needs to authenticate and translate for a device. */
export interface DeviceAuthRecord {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly secretHash: string | null;
  readonly topic: string | null;
  readonly mapping: FieldMapping | null;
  readonly utcOffsetMin: number | null;
  readonly timeZone: string;
  readonly credentialsVersion: number;
}

function parseMapping(raw: string | null): FieldMapping | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && mappingProblem(value as Record<string, unknown>) === undefined
      ? (value as FieldMapping)
      : null;
  } catch {
    return null;
  }
}

function checkInput(input: ProvisionInput): void {
  const bad = (message: string) => new DeviceError('CANOPY_BAD_DEVICE', message);
  if (input.id !== undefined && !ID_PATTERN.test(input.id)) throw bad('id must be 1–64 characters of A–Z a–z 0–9 _ -');
  if (!DEVICE_KINDS.includes(input.kind)) throw bad(`kind must be one of ${DEVICE_KINDS.join(', ')}`);
  if (input.name.trim() === '' || input.name.length > 100) throw bad('name must be 1–100 characters');
  if (input.kind === 'canopy' && input.topic !== undefined) throw bad('topic is for tasmota and esphome devices');
  if (input.kind !== 'canopy') {
    if (input.topic === undefined || !ID_PATTERN.test(input.topic)) throw bad('topic must be 1–64 characters of A–Z a–z 0–9 _ -');
    if (RESERVED_TOPICS.has(input.topic.toLowerCase())) throw bad(`topic ${input.topic} is reserved`);
  }
  if (input.mapping !== undefined) {
    const problem = mappingProblem(input.mapping);
    if (problem) throw bad(`mapping: ${problem}`);
  }
  if (input.utcOffsetMin !== undefined && (!Number.isInteger(input.utcOffsetMin) || Math.abs(input.utcOffsetMin) > 14 * 60))
    throw bad('utcOffsetMin must be a whole number of minutes within ±14 h');
  if (input.intervalS !== undefined && (!Number.isInteger(input.intervalS) || input.intervalS < 1 || input.intervalS > 86_400))
    throw bad('intervalS must be 1–86400');
}

/** Every change of a secret takes the next global version, computed inside the same statement. */
const nextVersion = sql<number>`(SELECT COALESCE(MAX(credentials_version), 0) + 1 FROM devices)`;

const credentialsOf = (id: string, password: string): MqttCredentials => ({ username: id, password, clientId: id });

/** Registers a device in a greenhouse and issues its first secret (returned once, never stored). */
export async function provisionDevice(db: MetaDb, input: ProvisionInput): Promise<{ id: string; mqtt: MqttCredentials }> {
  checkInput(input);
  const now = input.now ?? Date.now();
  const id = input.id ?? `d-${randomBytes(9).toString('base64url')}`;
  const secret = newDeviceSecret();
  await db.transaction().execute(async (tx) => {
    const greenhouse = await tx.selectFrom('greenhouses').select('cooperative_id').where('id', '=', input.greenhouseId).executeTakeFirst();
    if (!greenhouse) throw new DeviceError('CANOPY_BAD_DEVICE', `no greenhouse ${input.greenhouseId}`);
    if (input.topic !== undefined) {
      const taken = await tx.selectFrom('devices').select('id').where('topic', '=', input.topic).executeTakeFirst();
      if (taken) throw new DeviceError('CANOPY_DEVICE_TOPIC_TAKEN', `topic ${input.topic} is in use by another device`);
    }
    await tx
      .insertInto('devices')
      .values({
        id,
        cooperative_id: greenhouse.cooperative_id,
        greenhouse_id: input.greenhouseId,
        name: input.name.trim(),
        kind: input.kind,
        interval_s: input.intervalS ?? DEFAULT_INTERVAL_S[input.kind],
        created_at: now,
        secret_hash: hashDeviceSecret(secret),
        credentials_version: nextVersion,
        topic: input.topic ?? null,
        mapping: input.mapping === undefined ? null : JSON.stringify(input.mapping),
        utc_offset_min: input.utcOffsetMin ?? null,
      })
      .execute();
    // From the beginning of time: a new device's buffered readings belong where it was installed.
    await tx
      .insertInto('device_assignments')
      .values({
        cooperative_id: greenhouse.cooperative_id,
        device_id: id,
        greenhouse_id: input.greenhouseId,
        valid_from: 0,
        valid_to: null,
      })
      .execute();
  });
  return { id, mqtt: credentialsOf(id, secret) };
}

/** A new secret; the old one stops working at once. Undefined for an unknown device. */
export async function rotateDeviceSecret(db: MetaDb, id: string): Promise<MqttCredentials | undefined> {
  const secret = newDeviceSecret();
  const result = await db
    .updateTable('devices')
    .set({ secret_hash: hashDeviceSecret(secret), credentials_version: nextVersion })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? credentialsOf(id, secret) : undefined;
}

/** Removes the device's secret; false for an unknown device. */
export async function revokeDeviceSecret(db: MetaDb, id: string): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set({ secret_hash: null, credentials_version: nextVersion })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function getDeviceDetails(db: MetaDb, id: string): Promise<DeviceDetails | undefined> {
  const row = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    cooperativeId: row.cooperative_id,
    greenhouseId: row.greenhouse_id,
    zoneId: row.zone_id,
    name: row.name,
    kind: row.kind,
    topic: row.topic,
    mapping: parseMapping(row.mapping),
    intervalS: row.interval_s,
    utcOffsetMin: row.utc_offset_min,
    hasSecret: row.secret_hash !== null,
  };
}

/**
 * Renames a device and/or places it in a zone of its current greenhouse (null: the greenhouse as
 * a whole). The zone is checked in the same transaction, so a device cannot point at a zone of
 * a greenhouse it has just left.
 */
export async function updateDevice(db: MetaDb, id: string, change: { name?: string; zoneId?: string | null }): Promise<void> {
  if (change.name !== undefined && (change.name.trim() === '' || change.name.length > 100))
    throw new DeviceError('CANOPY_BAD_DEVICE', 'name must be 1–100 characters');
  await db.transaction().execute(async (tx) => {
    const device = await tx.selectFrom('devices').select('greenhouse_id').where('id', '=', id).executeTakeFirst();
    if (!device) throw new DeviceError('CANOPY_BAD_DEVICE', `no device ${id}`);
    if (change.zoneId !== undefined && change.zoneId !== null) {
      const zone = await tx.selectFrom('zones').select('greenhouse_id').where('id', '=', change.zoneId).executeTakeFirst();
      if (!zone || device.greenhouse_id === null || zone.greenhouse_id !== device.greenhouse_id)
        throw new DeviceError('CANOPY_BAD_DEVICE', 'the zone must be one of the device’s greenhouse');
    }
    const set = {
      ...(change.name === undefined ? {} : { name: change.name.trim() }),
      ...(change.zoneId === undefined ? {} : { zone_id: change.zoneId }),
    };
    if (Object.keys(set).length > 0) await tx.updateTable('devices').set(set).where('id', '=', id).execute();
  });
}

/**
 * Authentication records: all of them, those changed after `sinceVersion`, or the given ids.
 * The broker loads everything at start and then polls with `sinceVersion`.
 */
export async function listDeviceAuth(
  db: MetaDb,
  filter: { sinceVersion?: number; ids?: readonly string[] } = {},
): Promise<DeviceAuthRecord[]> {
  if (filter.ids?.length === 0) return [];
  let query = db
    .selectFrom('devices as d')
    .innerJoin('cooperatives as c', 'c.id', 'd.cooperative_id')
    .select(['d.id', 'd.kind', 'd.secret_hash', 'd.topic', 'd.mapping', 'd.utc_offset_min', 'd.credentials_version', 'c.time_zone']);
  if (filter.sinceVersion !== undefined) query = query.where('d.credentials_version', '>', filter.sinceVersion);
  if (filter.ids !== undefined) query = query.where('d.id', 'in', filter.ids);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    secretHash: r.secret_hash,
    topic: r.topic,
    mapping: parseMapping(r.mapping),
    utcOffsetMin: r.utc_offset_min,
    timeZone: r.time_zone,
    credentialsVersion: Number(r.credentials_version),
  }));
}
