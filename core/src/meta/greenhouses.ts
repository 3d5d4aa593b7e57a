/** Greenhouse, zone and cooperative records shared by the services. */
import { randomUUID } from 'node:crypto';
import type { MetaDb } from './database.ts';
import type { DeviceKind } from './schema.ts';

export interface CooperativeRecord {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
}

export interface DeviceRecord {
  id: string;
  name: string;
  kind: DeviceKind;
  intervalS: number;
}

export interface GreenhouseRecord {
  id: string;
  cooperativeId: string;
  name: string;
  areaM2: number | null;
  structure: string | null;
  location: string | null;
  farm: { id: string; name: string };
  devices: DeviceRecord[];
}

export async function listCooperatives(db: MetaDb): Promise<CooperativeRecord[]> {
  const rows = await db.selectFrom('cooperatives').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, timeZone: r.time_zone, locale: r.locale }));
}

export async function listGreenhouses(
  db: MetaDb,
  filter: { cooperativeId?: string; ids?: readonly string[]; farmIds?: readonly string[] } = {},
): Promise<GreenhouseRecord[]> {
  if (filter.ids?.length === 0 || filter.farmIds?.length === 0) return [];
  let query = db
    .selectFrom('greenhouses as g')
    .innerJoin('farms as f', 'f.id', 'g.farm_id')
    .select(['g.id', 'g.cooperative_id', 'g.name', 'g.area_m2', 'g.structure', 'g.location', 'f.id as farm_id', 'f.name as farm_name'])
    .orderBy('f.name')
    .orderBy('g.name');
  if (filter.cooperativeId !== undefined) query = query.where('g.cooperative_id', '=', filter.cooperativeId);
  if (filter.ids !== undefined) query = query.where('g.id', 'in', filter.ids);
  if (filter.farmIds !== undefined) query = query.where('g.farm_id', 'in', filter.farmIds);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const devices = await db
    .selectFrom('devices')
    .select(['id', 'name', 'kind', 'interval_s', 'greenhouse_id'])
    .where(
      'greenhouse_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    cooperativeId: r.cooperative_id,
    name: r.name,
    areaM2: r.area_m2,
    structure: r.structure,
    location: r.location,
    farm: { id: r.farm_id, name: r.farm_name },
    devices: devices
      .filter((d) => d.greenhouse_id === r.id)
      .map((d) => ({ id: d.id, name: d.name, kind: d.kind, intervalS: d.interval_s })),
  }));
}

export async function getGreenhouse(db: MetaDb, id: string): Promise<GreenhouseRecord | undefined> {
  const [greenhouse] = await listGreenhouses(db, { ids: [id] });
  return greenhouse;
}

/** A named part of a greenhouse (a bed, a bay, a row of melons); devices and actuators may sit in one. */
export interface ZoneRecord {
  id: string;
  cooperativeId: string;
  greenhouseId: string;
  name: string;
  /** Devices placed in this zone. */
  deviceIds: string[];
}

export class ZoneError extends Error {
  constructor(
    readonly code: 'CANOPY_BAD_ZONE' | 'CANOPY_ZONE_EXISTS',
    message: string,
  ) {
    super(message);
  }
}

/** At most this many zones per greenhouse: a bound on what one manager can make the list carry. */
export const MAX_ZONES_PER_GREENHOUSE = 200;

export async function listZones(db: MetaDb, filter: { greenhouseId?: string; ids?: readonly string[] }): Promise<ZoneRecord[]> {
  if (filter.ids?.length === 0) return [];
  let query = db.selectFrom('zones').select(['id', 'cooperative_id', 'greenhouse_id', 'name']).orderBy('name').orderBy('id');
  if (filter.greenhouseId !== undefined) query = query.where('greenhouse_id', '=', filter.greenhouseId);
  if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const devices = await db
    .selectFrom('devices')
    .select(['id', 'zone_id'])
    .where(
      'zone_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    cooperativeId: r.cooperative_id,
    greenhouseId: r.greenhouse_id,
    name: r.name,
    deviceIds: devices.filter((d) => d.zone_id === r.id).map((d) => d.id),
  }));
}

export async function getZone(db: MetaDb, id: string): Promise<ZoneRecord | undefined> {
  const [zone] = await listZones(db, { ids: [id] });
  return zone;
}

function zoneName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 120) throw new ZoneError('CANOPY_BAD_ZONE', 'name must be 1–120 characters');
  return trimmed;
}

/** Names are unique within a greenhouse, so that "Luống 3" means one place. */
async function checkNameFree(db: MetaDb, greenhouseId: string, name: string, exceptId?: string): Promise<void> {
  let query = db.selectFrom('zones').select('id').where('greenhouse_id', '=', greenhouseId).where('name', '=', name);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) throw new ZoneError('CANOPY_ZONE_EXISTS', 'the greenhouse has a zone of that name');
}

export async function createZone(db: MetaDb, input: { greenhouseId: string; name: string; now?: number }): Promise<ZoneRecord> {
  const name = zoneName(input.name);
  const id = `zone-${randomUUID()}`;
  await db.transaction().execute(async (tx) => {
    const greenhouse = await tx.selectFrom('greenhouses').select('cooperative_id').where('id', '=', input.greenhouseId).executeTakeFirst();
    if (!greenhouse) throw new ZoneError('CANOPY_BAD_ZONE', `no greenhouse ${input.greenhouseId}`);
    await checkNameFree(tx, input.greenhouseId, name);
    const count = await tx
      .selectFrom('zones')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('greenhouse_id', '=', input.greenhouseId)
      .executeTakeFirst();
    if (Number(count?.n ?? 0) >= MAX_ZONES_PER_GREENHOUSE)
      throw new ZoneError('CANOPY_BAD_ZONE', `a greenhouse has at most ${MAX_ZONES_PER_GREENHOUSE} zones`);
    await tx
      .insertInto('zones')
      .values({
        id,
        cooperative_id: greenhouse.cooperative_id,
        greenhouse_id: input.greenhouseId,
        name,
        created_at: input.now ?? Date.now(),
      })
      .execute();
  });
  const zone = await getZone(db, id);
  if (!zone) throw new ZoneError('CANOPY_BAD_ZONE', `zone ${id} vanished`);
  return zone;
}

export async function renameZone(db: MetaDb, id: string, newName: string): Promise<void> {
  const name = zoneName(newName);
  await db.transaction().execute(async (tx) => {
    const zone = await tx.selectFrom('zones').select('greenhouse_id').where('id', '=', id).executeTakeFirst();
    if (!zone) throw new ZoneError('CANOPY_BAD_ZONE', `no zone ${id}`);
    await checkNameFree(tx, zone.greenhouse_id, name, id);
    await tx.updateTable('zones').set({ name }).where('id', '=', id).execute();
  });
}

/** Its devices and actuators stay in the greenhouse, in no zone (ON DELETE SET NULL). */
export async function deleteZone(db: MetaDb, id: string): Promise<boolean> {
  const result = await db.deleteFrom('zones').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
