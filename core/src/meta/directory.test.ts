import { afterEach, describe, expect, it } from 'vitest';
import { demoCooperative } from '../demo.ts';
import { assignDevice } from './assignments.ts';
import { type MetaDb, openMetaDb } from './database.ts';
import { createDeviceDirectory } from './directory.ts';
import { seedDemo } from './seedDemo.ts';

describe('device directory', () => {
  let db: MetaDb | undefined;
  afterEach(async () => {
    await db?.destroy();
  });

  it('answers from the assignment valid at the reading time, so a moved device keeps its past', async () => {
    db = await openMetaDb({ file: ':memory:' });
    await seedDemo(db, demoCooperative(6), { intervalS: 5 });
    let now = 10_000;
    const directory = createDeviceDirectory(db, { ttlMs: 0, now: () => now });
    expect(await directory.greenhouseOf('gh1-climate', 5_000)).toBe('gh-1');
    expect((await db.selectFrom('actuators').select('id').orderBy('id').execute()).map((a) => a.id)).toEqual([
      'gh1-climate-fan_1',
      'gh1-irrigation-valve_1',
      'gh2-climate-fan_1',
      'gh2-irrigation-valve_1',
    ]);

    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: 'gh-2', at: 8_000 });
    now = 20_000;
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-2');
    // A late replay of a reading taken before the move lands where it was measured.
    expect(await directory.greenhouseOf('gh1-climate', 7_999)).toBe('gh-1');
    expect(await directory.greenhouseOf('gh1-climate', 8_000)).toBe('gh-2');

    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: null, at: 15_000 });
    now = 30_000;
    expect(await directory.greenhouseOf('gh1-climate')).toBeUndefined();
    expect(await directory.greenhouseOf('gh1-climate', 9_000)).toBe('gh-2');
    expect(await directory.greenhouseOf('nobody', 9_000)).toBeUndefined();

    // Seeding again on the next start does not undo the move.
    await seedDemo(db, demoCooperative(6), { intervalS: 5 });
    now = 40_000;
    expect(await directory.greenhouseOf('gh1-climate', 9_000)).toBe('gh-2');
    expect(await directory.greenhouseOf('gh1-climate', 7_000)).toBe('gh-1');
  });
});
