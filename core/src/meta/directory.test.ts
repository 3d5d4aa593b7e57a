import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoCooperative } from '../demo.ts';
import { assignDevice } from './assignments.ts';
import { type MetaDb, openMetaDb } from './database.ts';
import { provisionDevice } from './devices.ts';
import { createDeviceDirectory, type DeviceDirectory, NOT_CACHED } from './directory.ts';
import { seedDemo } from './seedDemo.ts';

/**
 * Waits for a refresh of a stale cache: a lookup of a known device starts it in the background,
 * and a lookup of an unknown one (more than a second after the last load) waits for the one in flight.
 */
async function refresh(directory: DeviceDirectory): Promise<void> {
  directory.cachedGreenhouseOf('gh1-climate');
  await directory.greenhouseOf('no-such-device');
}

describe('device directory', () => {
  let db: MetaDb | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await db?.destroy();
  });

  async function seeded(): Promise<MetaDb> {
    db = await openMetaDb({ file: ':memory:' });
    await seedDemo(db, demoCooperative(6), { intervalS: 5 });
    return db;
  }

  it('answers from the assignment valid at the reading time, so a moved device keeps its past', async () => {
    const db = await seeded();
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
    await refresh(directory);
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-2');
    // A late replay of a reading taken before the move lands where it was measured.
    expect(await directory.greenhouseOf('gh1-climate', 7_999)).toBe('gh-1');
    expect(await directory.greenhouseOf('gh1-climate', 8_000)).toBe('gh-2');

    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: null, at: 15_000 });
    now = 30_000;
    await refresh(directory);
    expect(await directory.greenhouseOf('gh1-climate')).toBeUndefined();
    expect(await directory.greenhouseOf('gh1-climate', 9_000)).toBe('gh-2');
    expect(await directory.greenhouseOf('nobody', 9_000)).toBeUndefined();

    // Seeding again on the next start does not undo the move.
    await seedDemo(db, demoCooperative(6), { intervalS: 5 });
    now = 40_000;
    await refresh(directory);
    expect(await directory.greenhouseOf('gh1-climate', 9_000)).toBe('gh-2');
    expect(await directory.greenhouseOf('gh1-climate', 7_000)).toBe('gh-1');
  });

  it('serves the cached answer once stale and refreshes behind it, one reload at a time', async () => {
    const db = await seeded();
    let now = 10_000;
    const directory = createDeviceDirectory(db, { ttlMs: 5_000, now: () => now });
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-1');
    const loads = vi.spyOn(db, 'selectFrom');

    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: 'gh-2', at: 11_000 });
    loads.mockClear();
    now = 14_000; // Fresh: no reload.
    expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-1');
    expect(loads).not.toHaveBeenCalled();

    now = 15_001; // Stale: the old answer at once, from every lookup, and a single reload behind them.
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-1');
    for (let i = 0; i < 10; i++) expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-1');
    expect(loads).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-2'));
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-2');
    expect(loads).toHaveBeenCalledTimes(1);
  });

  it('keeps the old answers when a refresh behind them fails, and tries again a second later', async () => {
    const db = await seeded();
    let now = 10_000;
    const directory = createDeviceDirectory(db, { ttlMs: 5_000, now: () => now });
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-1');
    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: 'gh-2', at: 11_000 });
    const loads = vi.spyOn(db, 'selectFrom').mockImplementationOnce(() => {
      throw new Error('database gone');
    });
    now = 20_000;
    expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-1');
    await vi.waitFor(() => expect(loads).toHaveBeenCalledTimes(1));
    // Not at every lookup while the database is down.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-1');
    expect(loads).toHaveBeenCalledTimes(1);
    now = 21_001;
    await vi.waitFor(() => expect(directory.cachedGreenhouseOf('gh1-climate')).toBe('gh-2'));
    expect(loads).toHaveBeenCalledTimes(2);
  });

  it('makes a device it does not know wait for a reload, at most once a second', async () => {
    const db = await seeded();
    let now = 10_000;
    const directory = createDeviceDirectory(db, { ttlMs: 5_000, now: () => now });
    // Nothing loaded yet: even a known device waits for the first load.
    expect(directory.cachedGreenhouseOf('gh1-climate')).toBe(NOT_CACHED);
    expect(await directory.greenhouseOf('gh1-climate')).toBe('gh-1');
    const loads = vi.spyOn(db, 'selectFrom');

    await provisionDevice(db, { id: 'gh1-new', greenhouseId: 'gh-1', name: 'New', kind: 'canopy', now: 10_000 });
    loads.mockClear();
    now = 10_500; // Within a second of the last load: unknown, without asking the database.
    expect(directory.cachedGreenhouseOf('gh1-new')).toBeUndefined();
    expect(await directory.greenhouseOf('gh1-new')).toBeUndefined();
    expect(loads).not.toHaveBeenCalled();

    now = 11_001; // Its first reading waits for the reload that finds it.
    expect(directory.cachedGreenhouseOf('gh1-new')).toBe(NOT_CACHED);
    expect(loads).not.toHaveBeenCalled();
    expect(await directory.greenhouseOf('gh1-new')).toBe('gh-1');
    expect(loads).toHaveBeenCalledTimes(1);
    expect(directory.cachedGreenhouseOf('gh1-new')).toBe('gh-1');

    // Junk ids right after it do not reload again.
    now = 11_500;
    expect(await directory.greenhouseOf('junk-1')).toBeUndefined();
    expect(directory.cachedGreenhouseOf('junk-2')).toBeUndefined();
    expect(loads).toHaveBeenCalledTimes(1);
  });

  it('answers the same synchronously as asynchronously', async () => {
    const db = await seeded();
    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: 'gh-2', at: 8_000 });
    await assignDevice(db, { deviceId: 'gh2-climate', greenhouseId: null, at: 9_000 });
    let now = 10_000;
    const directory = createDeviceDirectory(db, { ttlMs: 5_000, now: () => now });
    await directory.greenhouseOf('gh1-climate');
    const devices = [...demoCooperative(6).devices.map((d) => d.id), 'nobody'];
    for (now of [10_000, 10_900, 20_000]) {
      for (const device of devices) {
        for (const ts of [undefined, 0, 7_999, 8_000, 8_999, 9_000, now, now + 1]) {
          const cached = directory.cachedGreenhouseOf(device, ts);
          if (cached !== NOT_CACHED) expect(cached, `${device} at ${ts}`).toBe(await directory.greenhouseOf(device, ts));
        }
      }
    }
  });
});
