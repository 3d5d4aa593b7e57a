/** Fresh temporary directories that tests remove when done. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `canopy-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
