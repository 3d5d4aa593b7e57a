/** Writes the demo cooperative's records; idempotent, so every start may call it. */
import type { DemoCooperative } from '../demo.ts';
import type { MetaDb } from './database.ts';
import { provisionDevice } from './devices.ts';

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
  });
  // Demo devices are registered by the same code as POST /api/devices, only with fixed ids.
  for (const device of coop.devices) {
    const existing = await db.selectFrom('devices').select('id').where('id', '=', device.id).executeTakeFirst();
    if (existing) await db.updateTable('devices').set({ interval_s: options.intervalS }).where('id', '=', device.id).execute();
    else
      await provisionDevice(db, {
        id: device.id,
        greenhouseId: device.greenhouseId,
        name: device.name,
        kind: 'canopy',
        intervalS: options.intervalS,
        now: createdAt,
      });
  }
  await db.transaction().execute(async (tx) => {
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
  });
}
