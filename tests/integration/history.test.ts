/**
 * History at any range, on both stores: rollups kept by the shared maintainer, late data,
 * local calendar days and retention. A year of sparse readings plus two dense days is seeded
 * through the store, so every expected value is computed here from the same readings.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chooseStepMs, type HistorySeries, MAX_BUCKETS } from '@canopy/core';
import {
  BACKFILL_DONE,
  createInfluxStore,
  createLogger,
  createRollupMaintainer,
  createSqliteStore,
  LEVEL_MS,
  loadRollupConfig,
  type RangeQuery,
  ROLLUP_LEVELS,
  type RollupStore,
  regroup,
  SKEW_MS,
  type StoredReading,
} from '@canopy/core/node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GH = 'gh-h';
const ZONE = 'Asia/Ho_Chi_Minh';
/** Today's UTC midnight: the seeded year ends here. */
const END = Math.floor(Date.now() / DAY) * DAY;
const START = END - 365 * DAY;
const logger = createLogger({ name: 'test', level: 'silent' });

/** Four readings a day per device and metric for a year, then one a minute for the last two days. */
function seed(): StoredReading[] {
  const out: StoredReading[] = [];
  const add = (device: string, ts: number, i: number) => {
    out.push({ greenhouse: GH, device, metric: 'air_temp_c', ts, value: 20 + (i % 13) + (device === 'd2' ? 0.5 : 0) });
    out.push({ greenhouse: GH, device, metric: 'rh_pct', ts, value: 40 + ((i * 7) % 50) });
  };
  for (let day = 0; day < 365; day++) {
    for (const h of [1, 7, 13, 19]) for (const device of ['d1', 'd2']) add(device, START + day * DAY + h * HOUR + 17 * 60_000, day * 4 + h);
  }
  for (let ts = END - 2 * DAY; ts < END; ts += 60_000) add('d1', ts + 5_000, ts / 60_000);
  return out;
}

/** What any source must answer: readings bucketed here, means from the readings themselves. */
function expected(readings: readonly StoredReading[], q: Omit<RangeQuery, 'greenhouse'>, bucketOf?: (ts: number) => number) {
  const series = new Map<string, Map<number, number[]>>();
  for (const r of readings) {
    if (r.ts < q.from || r.ts >= q.to || !q.metrics.includes(r.metric)) continue;
    const key = q.byDevice ? `${r.metric}\n${r.device}` : r.metric;
    const buckets = series.get(key) ?? new Map<number, number[]>();
    const bucket = bucketOf ? bucketOf(r.ts) : r.ts - (r.ts % q.stepMs);
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), r.value]);
    series.set(key, buckets);
  }
  return [...series]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, buckets]) => {
      const [metric = '', device] = key.split('\n');
      const points = [...buckets]
        .sort(([a], [b]) => a - b)
        .map(([t, v]) => [t, v.reduce((s, x) => s + x, 0) / v.length, Math.min(...v), Math.max(...v)]);
      return device === undefined ? { metric, points } : { metric, device, points };
    });
}

/** Means are sums over counts from different sources: equal to 9 decimals, not bit for bit. */
const rounded = (series: readonly unknown[]) =>
  JSON.parse(JSON.stringify(series), (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v));

interface Backing {
  open(): Promise<RollupStore>;
  dispose(): Promise<void>;
}

const backings: Record<string, () => Promise<Backing>> = {
  InfluxDB: async () => {
    const database = `history_${randomBytes(6).toString('hex')}`;
    return {
      open: () => createInfluxStore({ url: inject('influxUrl'), database }),
      dispose: async () => {},
    };
  },
  SQLite: async () => {
    const dir: TempDir = await makeTempDir('history');
    return { open: () => createSqliteStore({ file: join(dir.path, 'series.db') }), dispose: () => dir.remove() };
  },
};

for (const [name, makeBacking] of Object.entries(backings)) {
  describe(`history: ${name}`, () => {
    let backing: Backing;
    let store: RollupStore;
    let readings: StoredReading[];

    /** A maintainer whose clock (`now`) is ahead by the skew margin, so the marks of what a test wrote before it count as rolled up. */
    const newMaintainer = (env: Record<string, string> = {}, now = Date.now) =>
      createRollupMaintainer(store, loadRollupConfig({ ROLLUP_BATCH_HOURS: '10000', ...env }), logger, () => now() + SKEW_MS);
    const maintain = (env: Record<string, string> = {}) => newMaintainer(env).runOnce();
    const range = (q: Omit<RangeQuery, 'greenhouse'>): Promise<HistorySeries[]> => store.range({ greenhouse: GH, ...q });
    const year = { metrics: ['air_temp_c', 'rh_pct'], from: START, to: END, stepMs: chooseStepMs(START, END), byDevice: false };

    /**
     * Device rollups of every level, at the interval holding `t`, for a device that never reported:
     * merged answers that stay right with it come from greenhouse rollups, not from device rollups.
     */
    const plantGhost = async (t: number) => {
      for (const level of ROLLUP_LEVELS) {
        const bucket = t - (t % LEVEL_MS[level]);
        await store.rollups.writeRollups(level, [
          { greenhouse: GH, device: 'ghost', metric: 'air_temp_c', bucket, sum: 1e6, count: 1, min: 1e6, max: 1e6 },
        ]);
      }
    };

    beforeEach(async () => {
      backing = await makeBacking();
      store = await backing.open();
      readings = seed();
      for (let i = 0; i < readings.length; i += 5_000) await store.write(readings.slice(i, i + 5_000));
    });

    afterEach(async () => {
      await store.close();
      await backing.dispose();
    });

    it('answers a 1-year range in at most 1000 buckets per series, the same from raw data and from rollups', async () => {
      const want = rounded(expected(readings, year));
      const fromRaw = await range(year);
      expect(rounded(fromRaw)).toEqual(want);

      const pass = await maintain();
      expect(pass).toMatchObject({ hours: new Set(readings.map((r) => r.ts - (r.ts % HOUR))).size, more: false });
      const fromRollups = await range(year);
      expect(rounded(fromRollups)).toEqual(want);
      for (const s of fromRollups) expect(s.points.length).toBeLessThanOrEqual(MAX_BUCKETS);
      expect(fromRollups.map((s) => s.metric)).toEqual(['air_temp_c', 'rh_pct']);

      // Per device, and over 30 days and 24 hours (1-hour and 1-minute rollups), with `from` inside a bucket.
      for (const [span, byDevice] of [
        [30 * DAY, true],
        [DAY, false],
      ] as const) {
        const q = { ...year, from: END - span - 1_234, stepMs: chooseStepMs(END - span - 1_234, END), byDevice };
        expect(rounded(await range(q))).toEqual(rounded(expected(readings, q)));
      }
    });

    it('recomputes the rollups of an hour touched by a late reading', async () => {
      // One maintainer, as a service runs it, its first pass starting in the millisecond of the seed's last
      // write (as it does now and then on the wall clock): the cursor keeps marks stamped at it, since a write
      // in that millisecond may have raced the pass, and only the maintainer that recomputed them knows it
      // did (a new one would redo that write's hours).
      let clock = Math.max(...(await store.rollups.dirtyHours(Number.MIN_SAFE_INTEGER)).map((d) => d.markedAt));
      const maintainer = newMaintainer({}, () => clock);
      await maintainer.runOnce();
      const late: StoredReading = {
        greenhouse: GH,
        device: 'd1',
        metric: 'air_temp_c',
        ts: END - 5 * DAY + 7 * HOUR + 42 * 60_000,
        value: 69,
      };
      await store.write([late]);
      // Raw data until maintenance: the dirty hour is read raw, so the answer is already right.
      const month = { ...year, from: END - 30 * DAY, stepMs: HOUR };
      const want = rounded(expected([...readings, late], month));
      expect(rounded(await range(month))).toEqual(want);

      clock = Date.now();
      expect(await maintainer.runOnce()).toMatchObject({ hours: 1 });
      // With raw data gone, only the recomputed rollups can still answer with the late reading.
      expect(await store.rollups.deleteBefore('raw', END)).toBe(true);
      expect(await range({ ...month, stepMs: 10_000, from: late.ts - 60_000, to: late.ts + 60_000 })).toEqual([]);
      expect(rounded(await range(month))).toEqual(want);
      if (!store.rollups.greenhouses) return;
      // Greenhouse rollups answer merged ranges, the late reading's hour and 6-hour interval recomputed in them too.
      await plantGhost(late.ts);
      expect((await range({ ...month, byDevice: true })).map((s) => s.device)).toContain('ghost');
      expect(rounded(await range(month))).toEqual(want);
      expect(rounded(await range(year))).toEqual(rounded(expected([...readings, late], year)));
    });

    it('backfills greenhouse rollups of a store from before them, merged answers the same before, during and after', async () => {
      if (!store.rollups.greenhouses) return;
      // What an older version left: device rollups of every level, backfilled, its cursor past the marks, no greenhouse rollups.
      const hours = [...new Set(readings.map((r) => r.ts - (r.ts % HOUR)))];
      const minutes = [];
      for (let i = 0; i < hours.length; i += 200) minutes.push(...(await store.rollups.aggregateRaw(hours.slice(i, i + 200), 60_000)));
      for (const level of ROLLUP_LEVELS)
        await store.rollups.writeRollups(
          level,
          regroup(minutes, (t) => t - (t % LEVEL_MS[level])),
        );
      await store.rollups.writeCursor(Date.now() + 1_000);
      await store.rollups.writeBackfilledFrom(BACKFILL_DONE);
      expect(await store.rollups.greenhouses.readBackfilledFrom()).toBeUndefined();
      const week = { ...year, from: END - 7 * DAY, stepMs: chooseStepMs(END - 7 * DAY, END) };
      const want = { year: rounded(expected(readings, year)), week: rounded(expected(readings, week)) };
      expect(rounded(await range(year))).toEqual(want.year);

      // Half a year per pass: greenhouse rollups serve the recent half, device rollups the rest.
      expect(await maintain({ ROLLUP_BATCH_HOURS: String(183 * 24) })).toMatchObject({ hours: 0, more: true, backfilledHours: 183 * 24 });
      const from = (await store.rollups.greenhouses.readBackfilledFrom()) ?? 0;
      expect((END - from) / DAY).toBeGreaterThanOrEqual(180);
      expect((END - from) / DAY).toBeLessThanOrEqual(182);
      expect(rounded(await range(year))).toEqual(want.year);
      expect(rounded(await range(week))).toEqual(want.week);
      expect(await maintain()).toMatchObject({ more: false });
      expect(await store.rollups.greenhouses.readBackfilledFrom()).toBe(BACKFILL_DONE);

      // What the backfill built answers now.
      for (const t of [START + 100 * DAY, END - 3 * DAY]) await plantGhost(t + 7 * HOUR);
      expect(rounded(await range(year))).toEqual(want.year);
      expect(rounded(await range(week))).toEqual(want.week);
    });

    it('puts daily buckets on local calendar days', async () => {
      // 23:30 and 00:30 in Hanoi (UTC+7) the next day: one UTC day, two local days.
      const day = END - 10 * DAY;
      const evening = day + 16 * HOUR + 30 * 60_000;
      const night = evening + HOUR;
      await store.write([
        { greenhouse: GH, device: 'd3', metric: 'ph', ts: evening, value: 6 },
        { greenhouse: GH, device: 'd3', metric: 'ph', ts: night, value: 7 },
      ]);
      const q = { metrics: ['ph'], from: day - DAY, to: day + 2 * DAY, stepMs: DAY, byDevice: false };
      const localDays = [
        {
          metric: 'ph',
          points: [
            [day - 7 * HOUR, 6, 6, 6],
            [day + 17 * HOUR, 7, 7, 7],
          ],
        },
      ];
      expect(await range({ ...q, timeZone: ZONE })).toEqual(localDays);
      // Without a zone, buckets stay UTC days.
      expect(await range(q)).toEqual([{ metric: 'ph', points: [[day, 6.5, 6, 7]] }]);
      await maintain();
      expect(await range({ ...q, timeZone: ZONE })).toEqual(localDays);

      // A year of local days (2-day buckets would break no rule, but 1 day is what was asked for).
      const days = await range({ ...year, metrics: ['air_temp_c'], stepMs: DAY, timeZone: ZONE });
      const midnight = (ts: number) => ts - ((ts + 7 * HOUR) % DAY);
      expect(rounded(days)).toEqual(rounded(expected(readings, { ...year, metrics: ['air_temp_c'], stepMs: DAY }, midnight)));
    });

    it('backfills the newer levels of a store from before them, answering the same before, during and after', async () => {
      // What an older version left: 1-minute and 1-hour rollups of every hour, its cursor past the marks, no newer levels.
      const hours = [...new Set(readings.map((r) => r.ts - (r.ts % HOUR)))];
      for (let i = 0; i < hours.length; i += 200) {
        const minutes = await store.rollups.aggregateRaw(hours.slice(i, i + 200), 60_000);
        await store.rollups.writeRollups('1m', minutes);
        await store.rollups.writeRollups(
          '1h',
          regroup(minutes, (t) => t - (t % HOUR)),
        );
      }
      await store.rollups.writeCursor(Date.now() + 1_000);
      expect(await store.rollups.readBackfilledFrom()).toBeUndefined();
      const week = { ...year, from: END - 7 * DAY, stepMs: chooseStepMs(END - 7 * DAY, END) };
      const want = { year: rounded(expected(readings, year)), week: rounded(expected(readings, week)) };
      expect(rounded(await range(year))).toEqual(want.year);

      // Half a year per pass: after the first, the newer levels serve the recent half only.
      const pass = await maintain({ ROLLUP_BATCH_HOURS: String(183 * 24) });
      expect(pass).toMatchObject({ hours: 0, more: true, backfilledHours: 183 * 24 });
      // It started a day or two above now (a margin for clocks ahead), a day at a time.
      const from = (await store.rollups.readBackfilledFrom()) ?? 0;
      expect(from % DAY).toBe(0);
      expect((END - from) / DAY).toBeGreaterThanOrEqual(180);
      expect((END - from) / DAY).toBeLessThanOrEqual(182);
      expect(rounded(await range(year))).toEqual(want.year);
      expect(rounded(await range(week))).toEqual(want.week);
      // The rest, and on a store with greenhouse rollups their backfill (a year) after it.
      await maintain();
      expect(await maintain()).toMatchObject({ more: false });
      expect(await store.rollups.readBackfilledFrom()).toBe(BACKFILL_DONE);

      // With raw data, 1-minute and 1-hour rollups gone, only the backfilled levels can answer.
      for (const source of ['raw', '1m', '1h'] as const) expect(await store.rollups.deleteBefore(source, END)).toBe(true);
      expect(rounded(await range(year))).toEqual(want.year);
      expect(rounded(await range(week))).toEqual(want.week);
    });

    it('deletes raw data past retention while long ranges still answer from rollups', async () => {
      const pass = await maintain({ RETENTION_RAW_DAYS: '30' });
      expect(pass.retained).toContain('raw');
      const old = { ...year, from: END - 100 * DAY, to: END - 100 * DAY + HOUR, stepMs: 10_000 };
      expect(await range(old)).toEqual([]);
      expect(rounded(await range(year))).toEqual(rounded(expected(readings, year)));
      // Recent raw data is kept.
      const recent = { ...year, from: END - HOUR, stepMs: 10_000 };
      expect(rounded(await range(recent))).toEqual(rounded(expected(readings, recent)));
    });
  });
}
