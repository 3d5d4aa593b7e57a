/**
 * A device's zone within its greenhouse (actuators already had one), and disabled accounts: a
 * user kept on record (history, farm exports) who can no longer log in or use its API keys.
 */
import type { Kysely, Migration } from 'kysely';

export const zonesAndAccounts: Migration = {
  async up(db: Kysely<unknown>) {
    // Null: somewhere in the greenhouse. Deleting the zone leaves the device in the greenhouse.
    await db.schema
      .alterTable('devices')
      .addColumn('zone_id', 'text', (c) => c.references('zones.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('zones_by_greenhouse').on('zones').column('greenhouse_id').execute();
    // Null while the account may be used.
    await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
  },
};
