/** Greenhouse and cooperative reads shared by the services. */
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
