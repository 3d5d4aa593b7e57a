/** Writes the demo cooperative's records; idempotent, so every start may call it. */
import { sql } from 'kysely';
import type { DemoCooperative } from '../demo.ts';
import type { MetaDb } from './database.ts';

export async function seedDemo(db: MetaDb, coop: DemoCooperative, options: { intervalS: number; now?: number }): Promise<void> {
  const createdAt = options.now ?? Date.now();
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('cooperatives')
      .values({ id: coop.id, name: coop.name, time_zone: coop.timeZone, locale: coop.locale, created_at: createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    for (const farm of coop.farms) {
      await tx
        .insertInto('farms')
        .values({ id: farm.id, cooperative_id: coop.id, name: farm.name, created_at: createdAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    for (const gh of coop.greenhouses) {
      await tx
        .insertInto('greenhouses')
        .values({
          id: gh.id,
          cooperative_id: coop.id,
          farm_id: gh.farmId,
          name: gh.name,
          area_m2: gh.areaM2,
          structure: gh.structure,
          created_at: createdAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    for (const device of coop.devices) {
      await tx
        .insertInto('devices')
        .values({
          id: device.id,
          cooperative_id: coop.id,
          greenhouse_id: device.greenhouseId,
          name: device.name,
          kind: 'canopy',
          interval_s: options.intervalS,
          created_at: createdAt,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet({ interval_s: options.intervalS }))
        .execute();
    }
    for (const device of coop.devices) {
      for (const key of device.actuators) {
        await tx
          .insertInto('actuators')
          .values({
            id: `${device.id}-${key}`,
            cooperative_id: coop.id,
            device_id: device.id,
            key,
            name: key,
            zone_id: null,
            created_at: createdAt,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    }
    // A device never assigned before starts in its demo greenhouse; a moved one stays where it was moved.
    await sql`INSERT INTO device_assignments (cooperative_id, device_id, greenhouse_id, valid_from, valid_to)
      SELECT d.cooperative_id, d.id, d.greenhouse_id, 0, NULL FROM devices d
      WHERE d.cooperative_id = ${coop.id} AND d.greenhouse_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM device_assignments a WHERE a.device_id = d.id)`.execute(tx);
  });
}
