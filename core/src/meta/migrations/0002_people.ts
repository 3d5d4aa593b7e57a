/**
 * People and access (users, farm members, sessions, API keys) and the rest of the farm model:
 * greenhouse location, zones, actuators, and device assignments with validity periods so that
 * a moved device's past readings stay with the greenhouse where they were recorded.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const people: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('greenhouses').addColumn('location', 'text').execute();
    await db.schema
      .createTable('zones')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('greenhouse_id', 'text', (c) => c.notNull().references('greenhouses.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('actuators')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('zone_id', 'text', (c) => c.references('zones.id').onDelete('set null'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('actuators_device_key', ['device_id', 'key'])
      .execute();
    await db.schema
      .createTable('device_assignments')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('greenhouse_id', 'text', (c) => c.notNull().references('greenhouses.id').onDelete('cascade'))
      .addColumn('valid_from', 'bigint', (c) => c.notNull())
      // Null while the device is still there.
      .addColumn('valid_to', 'bigint')
      .execute();
    await db.schema.createIndex('device_assignments_by_device').on('device_assignments').columns(['device_id', 'valid_from']).execute();
    // Existing devices have been where they are since the beginning of time as far as we know.
    await sql`INSERT INTO device_assignments (cooperative_id, device_id, greenhouse_id, valid_from, valid_to)
      SELECT cooperative_id, id, greenhouse_id, 0, NULL FROM devices WHERE greenhouse_id IS NOT NULL`.execute(db);

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Null only for admins, who belong to no cooperative.
      .addColumn('cooperative_id', 'text', (c) => c.references('cooperatives.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.unique())
      .addColumn('phone', 'text', (c) => c.unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('farm_members')
      .addColumn('farm_id', 'text', (c) => c.notNull().references('farms.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('farm_members_pk', ['farm_id', 'user_id'])
      .execute();
    await db.schema.createIndex('farm_members_by_user').on('farm_members').column('user_id').execute();
    await db.schema
      .createTable('sessions')
      // SHA-256 of the cookie value: a copy of the database does not hand out live sessions.
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('cooperative_id', 'text', (c) => c.references('cooperatives.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_by_user').on('sessions').column('user_id').execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('cooperative_id', 'text', (c) => c.references('cooperatives.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
  },
};
