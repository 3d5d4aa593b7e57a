import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCooperative } from '../demo.ts';
import { backupDataDir } from './backup.ts';
import { type MetaDb, openMetaDb } from './database.ts';
import { seedDemo } from './seedDemo.ts';

describe('backup of DATA_DIR', () => {
  const dirs: string[] = [];
  const open: MetaDb[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('copies the metadata database while it is open, and the copy opens as a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'canopy-backup-'));
    const target = mkdtempSync(join(tmpdir(), 'canopy-backup-target-'));
    dirs.push(dataDir, target);
    const live = await openMetaDb({ file: join(dataDir, 'canopy.db') });
    open.push(live);
    await seedDemo(live, demoCooperative(6), { intervalS: 5 });

    const files = await backupDataDir({ dataDir }, join(target, 'b'));
    expect(files.map((f) => f.target)).toEqual([join(target, 'b', 'canopy.db')]);
    const restored = await openMetaDb({ file: join(target, 'b', 'canopy.db') });
    open.push(restored);
    expect((await restored.selectFrom('greenhouses').select('id').execute()).map((g) => g.id).sort()).toEqual(['gh-1', 'gh-2']);
    await expect(backupDataDir({ dataDir }, join(target, 'b'))).rejects.toThrow(/exists/);
  });
});
