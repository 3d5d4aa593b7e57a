/**
 * Online backup of DATA_DIR's SQLite files with SQLite's backup API (better-sqlite3 `.backup()`):
 * consistent copies while ingest and the API keep writing, unlike a plain file copy of a WAL
 * database. The InfluxDB store, when used, is backed up with InfluxDB's own tools.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type DataConfig, metaDbFile, timeSeriesDbFile } from '../dataConfig.ts';

export interface BackedUpFile {
  readonly source: string;
  readonly target: string;
}

export async function backupDataDir(config: DataConfig, targetDir: string): Promise<BackedUpFile[]> {
  mkdirSync(targetDir, { recursive: true });
  const sources = [metaDbFile(config), ...(config.influx ? [] : [timeSeriesDbFile(config)])];
  const done: BackedUpFile[] = [];
  for (const source of sources) {
    if (!existsSync(source)) continue;
    const target = join(targetDir, source.split(/[\\/]/).pop() ?? 'backup.db');
    if (existsSync(target)) throw new Error(`${target} exists: back up into an empty directory`);
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(target);
    } finally {
      db.close();
    }
    done.push({ source, target });
  }
  return done;
}
