/**
 * The TimeSeriesStore contract, run unchanged against both implementations: InfluxDB (the
 * run's private influxd, a fresh database per test) and SQLite (a fresh file per test).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInfluxStore, createSqliteStore, type RollupStore, type StoredReading } from '@canopy/core/node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { makeTempDir } from '../helpers/tmp.ts';

/** Where a store keeps its data; `open` may be called more than once, like ingest and API opening one store. */
interface Backing {
  open(): Promise<RollupStore>;
  dispose(): Promise<void>;
}

const influxBacking = async (): Promise<Backing> => {
  const database = `contract_${randomBytes(6).toString('hex')}`;
  return { open: () => createInfluxStore({ url: inject('influxUrl'), database }), dispose: async () => {} };
};

const sqliteBacking = async (): Promise<Backing> => {
  const dir = await makeTempDir('store-contract');
  return { open: () => createSqliteStore({ file: join(dir.path, 'series.db') }), dispose: () => dir.remove() };
};

/** 2025-01-01T00:00Z: a multiple of every step used below, so bucket starts are easy to read. */
const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const GH = 'gh-a';

const at = (device: string, metric: string, ts: number, value: number, greenhouse = GH): StoredReading => ({
  device,
  metric,
  ts,
  value,
  greenhouse,
});
const byKey = <T extends { greenhouse: string; device: string; metric: string }>(rows: T[]) =>
  [...rows].sort((a, b) => `${a.greenhouse}/${a.device}/${a.metric}`.localeCompare(`${b.greenhouse}/${b.device}/${b.metric}`));

function describeStoreContract(name: string, makeBacking: () => Promise<Backing>): void {
  describe(`TimeSeriesStore contract: ${name}`, () => {
    let backing: Backing;
    let store: RollupStore;
    const stores: RollupStore[] = [];

    const openStore = async () => {
      const opened = await backing.open();
      stores.push(opened);
      return opened;
    };
    const range = (metrics: string[], from: number, to: number, stepMs = MIN, byDevice = false, greenhouse = GH) =>
      store.range({ greenhouse, metrics, from, to, stepMs, byDevice });

    beforeEach(async () => {
      backing = await makeBacking();
      store = await openStore();
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await backing.dispose();
    });

    it('returns the newest value per device and metric from latest()', async () => {
      await store.write([
        at('d1', 'air_temp_c', T0, 20),
        at('d1', 'air_temp_c', T0 + MIN, 21.7),
        at('d1', 'rh_pct', T0, 60),
        at('d2', 'air_temp_c', T0 + 30_000, 25),
      ]);
      // An older reading arriving later (store-and-forward) does not displace the newest.
      await store.write([at('d1', 'air_temp_c', T0 - MIN, 5)]);

      expect(byKey(await store.latest([GH]))).toEqual([
        { greenhouse: GH, device: 'd1', metric: 'air_temp_c', ts: T0 + MIN, value: 21.7 },
        { greenhouse: GH, device: 'd1', metric: 'rh_pct', ts: T0, value: 60 },
        { greenhouse: GH, device: 'd2', metric: 'air_temp_c', ts: T0 + 30_000, value: 25 },
      ]);
      expect(await store.latest(['gh-empty'])).toEqual([]);
      expect(await store.latest([])).toEqual([]);
    });

    it('overwrites a reading written again with the same device, metric and ts', async () => {
      await store.write([at('d1', 'ph', T0, 6)]);
      await store.write([at('d1', 'ph', T0, 6.5)]);
      // Within one batch too: the last one wins.
      await store.write([at('d1', 'ph', T0 + MIN, 1), at('d1', 'ph', T0 + MIN, 2)]);

      // A duplicate would show as min ≠ max in its bucket.
      expect(await range(['ph'], T0, T0 + 2 * MIN)).toEqual([
        {
          metric: 'ph',
          points: [
            [T0, 6.5, 6.5, 6.5],
            [T0 + MIN, 2, 2, 2],
          ],
        },
      ]);
      expect(await store.latest([GH])).toEqual([{ greenhouse: GH, device: 'd1', metric: 'ph', ts: T0 + MIN, value: 2 }]);
    });

    it('aggregates mean, min and max per bucket and leaves empty buckets out', async () => {
      await store.write([
        at('d1', 'co2_ppm', T0, 400),
        at('d1', 'co2_ppm', T0 + 10_000, 500),
        at('d1', 'co2_ppm', T0 + 50_000, 900),
        at('d1', 'co2_ppm', T0 + MIN, 450),
        // T0 + 2 min: nothing
        at('d1', 'co2_ppm', T0 + 3 * MIN, 700),
        at('d1', 'co2_ppm', T0 + 4 * MIN - 1, 710),
      ]);
      expect(await range(['co2_ppm'], T0, T0 + 5 * MIN)).toEqual([
        {
          metric: 'co2_ppm',
          points: [
            [T0, 600, 400, 900],
            [T0 + MIN, 450, 450, 450],
            [T0 + 3 * MIN, 705, 700, 710],
          ],
        },
      ]);
      // Wider buckets regroup the same readings.
      expect(await range(['co2_ppm'], T0, T0 + 5 * MIN, 2 * MIN)).toEqual([
        {
          metric: 'co2_ppm',
          points: [
            [T0, 562.5, 400, 900],
            [T0 + 2 * MIN, 705, 700, 710],
          ],
        },
      ]);
    });

    it('splits series by device or merges them over the greenhouse', async () => {
      await store.write([at('d1', 'air_temp_c', T0, 10), at('d1', 'air_temp_c', T0 + 1_000, 20), at('d2', 'air_temp_c', T0 + 2_000, 30)]);

      const merged = await range(['air_temp_c'], T0, T0 + MIN);
      expect(merged).toEqual([{ metric: 'air_temp_c', points: [[T0, 20, 10, 30]] }]);
      expect(merged[0]).not.toHaveProperty('device');

      expect(await range(['air_temp_c'], T0, T0 + MIN, MIN, true)).toEqual([
        { metric: 'air_temp_c', device: 'd1', points: [[T0, 15, 10, 20]] },
        { metric: 'air_temp_c', device: 'd2', points: [[T0, 30, 30, 30]] },
      ]);
    });

    it('keeps a channel-suffixed metric apart from its first channel', async () => {
      await store.write([at('d1', 'soil_temp_c', T0, 18), at('d1', 'soil_temp_c.2', T0, 12), at('d1', 'soil_temp_c.2', T0 + MIN, 14)]);

      expect(await range(['soil_temp_c.2', 'soil_temp_c'], T0, T0 + 2 * MIN)).toEqual([
        { metric: 'soil_temp_c', points: [[T0, 18, 18, 18]] },
        {
          metric: 'soil_temp_c.2',
          points: [
            [T0, 12, 12, 12],
            [T0 + MIN, 14, 14, 14],
          ],
        },
      ]);
      expect(byKey(await store.latest([GH])).map((v) => [v.metric, v.value])).toEqual([
        ['soil_temp_c', 18],
        ['soil_temp_c.2', 14],
      ]);
    });

    it('returns only the requested metrics, sorted, and no series for a metric without data', async () => {
      await store.write([at('d1', 'air_temp_c', T0, 20), at('d1', 'rh_pct', T0, 60), at('d1', 'co2_ppm', T0, 420)]);

      const series = await range(['rh_pct', 'ph', 'air_temp_c'], T0, T0 + MIN);
      expect(series.map((s) => s.metric)).toEqual(['air_temp_c', 'rh_pct']);
      expect(await range([], T0, T0 + MIN)).toEqual([]);
      expect(await range(['ph'], T0, T0 + MIN)).toEqual([]);
    });

    it('includes `from` and excludes `to`, with buckets aligned to the epoch', async () => {
      await store.write([
        at('d1', 'ph', T0 + MIN - 1, 100),
        at('d1', 'ph', T0 + MIN, 1),
        at('d1', 'ph', T0 + 3 * MIN - 1, 2),
        at('d1', 'ph', T0 + 3 * MIN, 100),
      ]);
      expect(await range(['ph'], T0 + MIN, T0 + 3 * MIN)).toEqual([
        {
          metric: 'ph',
          points: [
            [T0 + MIN, 1, 1, 1],
            [T0 + 2 * MIN, 2, 2, 2],
          ],
        },
      ]);
      // A `from` inside a bucket: the bucket keeps its epoch-aligned start but only readings from `from` on.
      expect(await range(['ph'], T0 + 30_000, T0 + MIN + 1)).toEqual([
        {
          metric: 'ph',
          points: [
            [T0, 100, 100, 100],
            [T0 + MIN, 1, 1, 1],
          ],
        },
      ]);
      expect(await range(['ph'], T0 + MIN, T0 + MIN)).toEqual([]);
    });

    it("never shows another greenhouse's readings", async () => {
      await store.write([at('d1', 'air_temp_c', T0, 20), at('d9', 'air_temp_c', T0, 35, 'gh-b'), at('d9', 'rh_pct', T0, 90, 'gh-b')]);

      expect(await range(['air_temp_c', 'rh_pct'], T0, T0 + MIN, MIN, true)).toEqual([
        { metric: 'air_temp_c', device: 'd1', points: [[T0, 20, 20, 20]] },
      ]);
      expect((await store.latest([GH])).map((v) => v.device)).toEqual(['d1']);
      expect(byKey(await store.latest([GH, 'gh-b'])).map((v) => `${v.greenhouse}/${v.device}/${v.metric}`)).toEqual([
        'gh-a/d1/air_temp_c',
        'gh-b/d9/air_temp_c',
        'gh-b/d9/rh_pct',
      ]);
    });

    it('refuses hostile identifiers and bad values with a coded error, writing nothing', async () => {
      const good = at('d1', 'air_temp_c', T0, 20);
      const invalid = { code: 'CANOPY_STORE_INVALID' };
      await expect(store.write([good, at('d1', 'air_temp_c', T0, 20, "x' OR 1=1 --")])).rejects.toMatchObject(invalid);
      await expect(store.write([good, at('d1', 'air_temp_c" FROM x;', T0, 20)])).rejects.toMatchObject(invalid);
      await expect(store.write([good, at('d1 OR 1=1', 'air_temp_c', T0, 20)])).rejects.toMatchObject(invalid);
      await expect(store.write([good, at('d1', 'not_a_metric', T0, 20)])).rejects.toMatchObject(invalid);
      await expect(store.write([good, at('d1', 'air_temp_c', T0, Number.NaN)])).rejects.toMatchObject(invalid);
      await expect(store.write([good, at('d1', 'air_temp_c', 1.5, 20)])).rejects.toMatchObject(invalid);
      await expect(store.latest([GH, "x' OR '1'='1"])).rejects.toMatchObject(invalid);
      await expect(range(['air_temp_c'], T0, T0 + MIN, MIN, false, "x' OR 1=1 --")).rejects.toMatchObject(invalid);
      await expect(range(['air_temp_c" FROM x;'], T0, T0 + MIN)).rejects.toMatchObject(invalid);
      await expect(range(['air_temp_c'], T0, T0 + MIN, 0)).rejects.toMatchObject(invalid);

      // Nothing of the refused batches was stored, and the store still works.
      expect(await store.latest([GH])).toEqual([]);
      await store.write([good]);
      expect(await store.latest([GH])).toEqual([{ greenhouse: GH, device: 'd1', metric: 'air_temp_c', ts: T0, value: 20 }]);
    });

    it('writes a batch of 20,000 readings and reads every one back', async () => {
      const devices = Array.from({ length: 10 }, (_, i) => `bulk-${i}`);
      const readings: StoredReading[] = [];
      for (let t = 0; t < 1_000; t++) {
        for (const [d, device] of devices.entries()) {
          readings.push(at(device, 'air_temp_c', T0 + t * 10_000, (t + d) % 50), at(device, 'rh_pct', T0 + t * 10_000, (t * d) % 100));
        }
      }
      expect(readings).toHaveLength(20_000);
      await store.write(readings);

      const end = T0 + 1_000 * 10_000;
      const perReading = await range(['air_temp_c', 'rh_pct'], T0, end, 10_000, true);
      expect(perReading).toHaveLength(20);
      expect(perReading.reduce((n, s) => n + s.points.length, 0)).toBe(20_000);

      const [day] = await range(['air_temp_c'], T0, end, 86_400_000);
      const values = readings.filter((r) => r.metric === 'air_temp_c').map((r) => r.value);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(day?.points).toHaveLength(1);
      expect(day?.points[0]?.[1]).toBeCloseTo(mean, 9);
      expect(day?.points[0]?.slice(2)).toEqual([0, 49]);
    });

    it('lets a second store on the same data read what the first wrote', async () => {
      const reader = await openStore();
      await store.write([at('d1', 'water_temp_c', T0, 19.5)]);
      expect(await reader.latest([GH])).toEqual([{ greenhouse: GH, device: 'd1', metric: 'water_temp_c', ts: T0, value: 19.5 }]);
      expect(
        await reader.range({ greenhouse: GH, metrics: ['water_temp_c'], from: T0, to: T0 + MIN, stepMs: MIN, byDevice: false }),
      ).toEqual([{ metric: 'water_temp_c', points: [[T0, 19.5, 19.5, 19.5]] }]);
    });

    it('marks the hours a write touches for rollup, and keeps rollups and the cursor', async () => {
      const HOUR = 60 * MIN;
      expect(await store.rollups.readCursor()).toBeUndefined();
      const before = Date.now();
      await store.write([at('d1', 'ph', T0 + 5 * MIN, 6), at('d1', 'ph', T0 + 50 * MIN, 8), at('d2', 'rh_pct', T0 + HOUR, 70, 'gh-b')]);
      const dirty = await store.rollups.dirtyHours(before);
      expect(dirty.map((d) => d.hour)).toEqual([T0, T0 + HOUR]);
      expect(await store.rollups.dirtyHours(before, { from: T0 + HOUR, to: T0 + 2 * HOUR })).toHaveLength(1);

      const minutes = await store.rollups.aggregateRaw([T0], MIN);
      expect(minutes.sort((a, b) => a.bucket - b.bucket)).toEqual([
        { greenhouse: GH, device: 'd1', metric: 'ph', bucket: T0 + 5 * MIN, sum: 6, count: 1, min: 6, max: 6 },
        { greenhouse: GH, device: 'd1', metric: 'ph', bucket: T0 + 50 * MIN, sum: 8, count: 1, min: 8, max: 8 },
      ]);
      await store.rollups.writeRollups('1h', [
        { greenhouse: GH, device: 'd1', metric: 'ph', bucket: T0, sum: 14, count: 2, min: 6, max: 8 },
      ]);
      await store.rollups.writeCursor(Date.now() + 1_000);
      expect(await store.rollups.readCursor()).toBeGreaterThan(before);
      // With the hour rolled up, an hourly range reads the rollup: prove it by deleting the raw data.
      expect(await store.rollups.deleteBefore('raw', T0 + HOUR)).toBe(true);
      expect(await range(['ph'], T0, T0 + HOUR, HOUR)).toEqual([{ metric: 'ph', points: [[T0, 7, 6, 8]] }]);
      expect(await range(['ph'], T0, T0 + HOUR, MIN)).toEqual([]);
    });

    it('fails clearly after close, and closing twice is harmless', async () => {
      await store.close();
      await store.close();
      const closed = { code: 'CANOPY_STORE_CLOSED' };
      await expect(store.write([at('d1', 'ph', T0, 6)])).rejects.toMatchObject(closed);
      await expect(store.latest([GH])).rejects.toMatchObject(closed);
      await expect(range(['ph'], T0, T0 + MIN)).rejects.toMatchObject(closed);
    });
  });
}

describeStoreContract('InfluxDB', influxBacking);
describeStoreContract('SQLite', sqliteBacking);
