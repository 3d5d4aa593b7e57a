/**
 * Moving a device between greenhouses. The current assignment is closed at `at` and a new one
 * opens, so readings before the move stay with the old greenhouse. `devices.greenhouse_id`
 * mirrors the current assignment for the listing queries.
 */
import type { MetaDb } from './database.ts';

export async function assignDevice(db: MetaDb, move: { deviceId: string; greenhouseId: string | null; at: number }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const device = await tx
      .selectFrom('devices')
      .select(['cooperative_id', 'greenhouse_id'])
      .where('id', '=', move.deviceId)
      .executeTakeFirst();
    if (!device) throw new Error(`no device ${move.deviceId}`);
    const current = await tx
      .selectFrom('device_assignments')
      .select(['id', 'greenhouse_id'])
      .where('device_id', '=', move.deviceId)
      .where('valid_to', 'is', null)
      .executeTakeFirst();
    if (current?.greenhouse_id === move.greenhouseId) return;
    if (current) await tx.updateTable('device_assignments').set({ valid_to: move.at }).where('id', '=', current.id).execute();
    if (move.greenhouseId !== null) {
      await tx
        .insertInto('device_assignments')
        .values({
          cooperative_id: device.cooperative_id,
          device_id: move.deviceId,
          greenhouse_id: move.greenhouseId,
          valid_from: move.at,
          valid_to: null,
        })
        .execute();
    }
    // A zone belongs to one greenhouse: a moved device is placed anew.
    await tx.updateTable('devices').set({ greenhouse_id: move.greenhouseId, zone_id: null }).where('id', '=', move.deviceId).execute();
  });
}
