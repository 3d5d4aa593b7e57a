/** Cooperatives, farms, greenhouses and devices. */
import type { Kysely, Migration } from 'kysely';

export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cooperatives')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('farms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('greenhouses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('farm_id', 'text', (c) => c.notNull().references('farms.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('area_m2', 'double precision')
      .addColumn('structure', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cooperative_id', 'text', (c) => c.notNull().references('cooperatives.id').onDelete('cascade'))
      .addColumn('greenhouse_id', 'text', (c) => c.references('greenhouses.id').onDelete('set null'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('canopy'))
      .addColumn('interval_s', 'integer', (c) => c.notNull().defaultTo(10))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('greenhouses_by_farm').on('greenhouses').column('farm_id').execute();
    await db.schema.createIndex('devices_by_greenhouse').on('devices').column('greenhouse_id').execute();
  },
};
