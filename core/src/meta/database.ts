/**
 * Opens the metadata database. The embedded default is SQLite in DATA_DIR; the same Kysely
 * code and migrations serve PostgreSQL when several API nodes share one.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from './migrations.ts';
import type { MetaSchema } from './schema.ts';

export type MetaDb = Kysely<MetaSchema>;

export async function openMetaDb(options: { file: string }): Promise<MetaDb> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const sqlite = new Database(options.file);
  // Ingest and API may be separate processes on one file: WAL lets readers and a writer coexist.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<MetaSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db);
  return db;
}
