/**
 * Device credentials and adapters: a SHA-256 hash of each device's MQTT secret, a global
 * credentials version the broker polls to learn of rotations and revocations made by another
 * process, and the adapter settings of off-the-shelf firmware (topic, field mapping, clock offset).
 */
import type { Kysely, Migration } from 'kysely';

export const deviceCredentials: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('devices').addColumn('secret_hash', 'text').execute();
    await db.schema
      .alterTable('devices')
      .addColumn('credentials_version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // Tasmota topic or ESPHome node name; unique so that no device can publish as another's firmware.
    await db.schema.alterTable('devices').addColumn('topic', 'text').execute();
    // JSON object: raw field → canonical metric key; null → the kind's default mapping.
    await db.schema.alterTable('devices').addColumn('mapping', 'text').execute();
    // Minutes east of UTC of the board's clock; null → the cooperative's time zone.
    await db.schema.alterTable('devices').addColumn('utc_offset_min', 'integer').execute();
    await db.schema.createIndex('devices_by_topic').unique().on('devices').column('topic').execute();
    await db.schema.createIndex('devices_by_credentials_version').on('devices').column('credentials_version').execute();
  },
};
