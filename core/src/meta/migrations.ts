/**
 * Schema migrations, in code so that every service runs the same ones against SQLite or
 * PostgreSQL. Append new migrations; never edit one that has shipped.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { initial } from './migrations/0001_initial.ts';
import { people } from './migrations/0002_people.ts';
import { deviceCredentials } from './migrations/0003_device_credentials.ts';
import { zonesAndAccounts } from './migrations/0004_zones_and_accounts.ts';
import type { MetaSchema } from './schema.ts';

/** Every migration, by name; names sort in the order they apply. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_people': people,
  '0003_device_credentials': deviceCredentials,
  '0004_zones_and_accounts': zonesAndAccounts,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export class MigrationError extends Error {
  readonly code = 'CANOPY_MIGRATION';
}

/** Brings the schema up to date; safe to call from every service at start-up. */
export async function migrateToLatest(db: Kysely<MetaSchema>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new MigrationError(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
