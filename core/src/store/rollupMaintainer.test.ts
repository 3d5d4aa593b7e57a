/** The maintainer's bookkeeping over a stand-in store; the real stores are exercised in tests/integration/history.test.ts. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { loadRollupConfig } from './rollupConfig.ts';
import { createRollupMaintainer, SKEW_MS } from './rollupMaintainer.ts';
import { type AggregateRow, BACKFILL_DONE, type DirtyHour, type RollupLevel, type RollupStore, type Source } from './rollups.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 1);
const logger = createLogger({ name: 'test', level: 'silent' });

function standIn(
  marks: DirtyHour[],
  options: { canDelete?: boolean; backfilledFrom?: number; oldest?: number; greenhouses?: { from?: number } } = {},
) {
  const calls = {
    read: [] as number[][],
    levelReads: [] as [RollupLevel, number, number, number][],
    written: [] as [RollupLevel, number][],
    /** Greenhouse rollups: level, sum, and whether the row had a device (it must not). */
    merged: [] as [RollupLevel, number, boolean][],
    deleted: [] as [Source, number][],
  };
  let cursor: number | undefined;
  let backfilledFrom = options.backfilledFrom;
  let greenhousesFrom = options.greenhouses?.from;
  const greenhouses = {
    async write(level: RollupLevel, rows: readonly AggregateRow[]) {
      for (const r of rows) calls.merged.push([level, r.sum, r.device !== undefined]);
    },
    readBackfilledFrom: async () => greenhousesFrom,
    async writeBackfilledFrom(from: number) {
      greenhousesFrom = from;
    },
  };
  const store = {
    rollups: {
      async aggregateRaw(hours: readonly number[]) {
        calls.read.push([...hours]);
        return hours.flatMap((hour): AggregateRow[] => [
          { greenhouse: 'g', device: 'd', metric: 'ph', bucket: hour, sum: 1, count: 1, min: 1, max: 1 },
          { greenhouse: 'g', device: 'd', metric: 'ph', bucket: hour + 60_000, sum: 3, count: 1, min: 3, max: 3 },
        ]);
      },
      async aggregateLevel(level: RollupLevel, from: number, to: number, stepMs: number) {
        calls.levelReads.push([level, from, to, stepMs]);
        return [{ greenhouse: 'g', device: 'd', metric: 'ph', bucket: from, sum: 10, count: 2, min: 1, max: 9 }];
      },
      readBackfilledFrom: async () => backfilledFrom,
      async writeBackfilledFrom(from: number) {
        backfilledFrom = from;
      },
      oldestRollup: async () => options.oldest,
      async writeRollups(level: RollupLevel, rows: readonly AggregateRow[]) {
        for (const r of rows) calls.written.push([level, r.sum]);
      },
      async dirtyHours(since: number) {
        return marks.filter((m) => m.markedAt >= since).sort((a, b) => a.markedAt - b.markedAt || a.hour - b.hour);
      },
      readCursor: async () => cursor,
      async writeCursor(c: number) {
        cursor = c;
      },
      async deleteBefore(source: Source, cutoff: number) {
        calls.deleted.push([source, cutoff]);
        return options.canDelete ?? true;
      },
      ...(options.greenhouses ? { greenhouses } : {}),
    },
  } as unknown as RollupStore;
  return { store, calls, cursor: () => cursor, backfilledFrom: () => backfilledFrom, greenhousesFrom: () => greenhousesFrom };
}

describe('rollup maintainer', () => {
  it('rolls minutes up into exact 5, 15 and 60 minutes, regroups 6 hours from hours, and moves the cursor behind the pass', async () => {
    const { store, calls, cursor, backfilledFrom } = standIn([{ hour: NOW - 5 * HOUR, markedAt: NOW - HOUR }]);
    const pass = await createRollupMaintainer(store, loadRollupConfig({}), logger, () => NOW).runOnce();
    expect(pass).toMatchObject({ hours: 1, more: false, backfilledHours: 0 });
    expect(calls.written).toEqual([
      ['1m', 1],
      ['1m', 3],
      ['2m', 4],
      ['5m', 4],
      ['15m', 4],
      ['1h', 4],
      ['6h', 10],
    ]);
    // NOW is midnight: the dirty hour 19:00 lies in the 6-hour interval from 18:00.
    expect(calls.levelReads).toEqual([['1h', NOW - 6 * HOUR, NOW, 6 * HOUR]]);
    expect(cursor()).toBe(NOW - SKEW_MS);
    // A store without rollups before this pass has nothing to backfill.
    expect(backfilledFrom()).toBe(BACKFILL_DONE);
  });

  it('writes greenhouse rollups merged from the device rollups of every level, on a store that keeps them', async () => {
    const { store, calls, greenhousesFrom } = standIn([{ hour: NOW - 5 * HOUR, markedAt: NOW - HOUR }], { greenhouses: {} });
    await createRollupMaintainer(store, loadRollupConfig({}), logger, () => NOW).runOnce();
    // The stand-in's two devices-worth of minutes (one device here) merge into one row per bucket.
    expect(calls.merged).toEqual([
      ['1m', 1, false],
      ['1m', 3, false],
      ['2m', 4, false],
      ['5m', 4, false],
      ['15m', 4, false],
      ['1h', 4, false],
      ['6h', 10, false],
    ]);
    // A store without rollups before this pass has no greenhouse rollups to backfill either.
    expect(greenhousesFrom()).toBe(BACKFILL_DONE);
  });

  it('backfills greenhouse rollups of an older data directory from every device level, newest first, before retention', async () => {
    const { store, calls, greenhousesFrom } = standIn([], {
      backfilledFrom: BACKFILL_DONE,
      oldest: NOW - 24 * HOUR + HOUR,
      greenhouses: {},
    });
    const maintainer = createRollupMaintainer(store, loadRollupConfig({ ROLLUP_BATCH_HOURS: '24' }), logger, () => NOW);
    expect(await maintainer.runOnce()).toMatchObject({ backfilledHours: 24, more: true, retained: [] });
    expect(greenhousesFrom()).toBe(NOW);
    expect(calls.levelReads).toEqual(
      (['1m', '2m', '5m', '15m', '1h', '6h'] as const).map((level) => [
        level,
        NOW,
        NOW + 24 * HOUR,
        { '1m': 1, '2m': 2, '5m': 5, '15m': 15, '1h': 60, '6h': 360 }[level] * 60_000,
      ]),
    );
    expect(calls.merged.map(([level]) => level)).toEqual(['1m', '2m', '5m', '15m', '1h', '6h']);
    expect(calls.deleted).toEqual([]);
    expect(await maintainer.runOnce()).toMatchObject({ backfilledHours: 24, more: false, retained: ['raw', '1m', '2m', '5m'] });
    expect(greenhousesFrom()).toBe(BACKFILL_DONE);
  });

  it('regroups each run of adjacent 6-hour intervals with one read', async () => {
    const marks = [0, 5, 6, 30].map((h) => ({ hour: NOW - 48 * HOUR + h * HOUR, markedAt: NOW - HOUR }));
    const { store, calls } = standIn(marks);
    await createRollupMaintainer(store, loadRollupConfig({}), logger, () => NOW).runOnce();
    expect(calls.levelReads.map(([, from, to]) => [(from - NOW) / HOUR, (to - NOW) / HOUR])).toEqual([
      [-48, -36],
      [-18, -12],
    ]);
  });

  it('backfills the newer levels of an older data directory a day at a time, newest first, then applies retention', async () => {
    const { store, calls, backfilledFrom } = standIn([], { oldest: NOW - 3 * 24 * HOUR + HOUR });
    const maintainer = createRollupMaintainer(store, loadRollupConfig({ ROLLUP_BATCH_HOURS: '48' }), logger, () => NOW);
    // Starts a day above now (a margin for clocks ahead), two days per pass.
    expect(await maintainer.runOnce()).toMatchObject({ backfilledHours: 48, more: true, retained: [] });
    expect(backfilledFrom()).toBe(NOW - 24 * HOUR);
    expect(calls.levelReads.slice(0, 4)).toEqual([
      ['1m', NOW, NOW + 24 * HOUR, 2 * 60_000],
      ['1m', NOW, NOW + 24 * HOUR, 5 * 60_000],
      ['1h', NOW, NOW + 24 * HOUR, 6 * HOUR],
      ['1m', NOW - 24 * HOUR, NOW, 2 * 60_000],
    ]);
    expect(calls.written.filter(([level]) => level === '15m')).toHaveLength(2);
    expect(await maintainer.runOnce()).toMatchObject({ backfilledHours: 48, more: false, retained: ['raw', '1m', '2m', '5m'] });
    expect(backfilledFrom()).toBe(BACKFILL_DONE);
  });

  it('takes a bounded batch, oldest marks first, never splitting the marks of one write', async () => {
    const marks = [
      { hour: 0, markedAt: NOW - 30 * HOUR },
      { hour: HOUR, markedAt: NOW - 20 * HOUR },
      { hour: 2 * HOUR, markedAt: NOW - 20 * HOUR },
      { hour: 3 * HOUR, markedAt: NOW - 10 * HOUR },
    ];
    const { store, calls, cursor } = standIn(marks);
    const maintainer = createRollupMaintainer(store, loadRollupConfig({ ROLLUP_BATCH_HOURS: '2' }), logger, () => NOW);
    expect(await maintainer.runOnce()).toMatchObject({ hours: 3, more: true, retained: [] });
    expect(calls.read).toEqual([[0, HOUR, 2 * HOUR]]);
    // The hour left over is still newer than the cursor, so a crash now loses nothing.
    expect(cursor()).toBe(NOW - 10 * HOUR);
    expect(await maintainer.runOnce()).toMatchObject({ hours: 1, more: false });
    expect(calls.read[1]).toEqual([3 * HOUR]);
  });

  it('applies retention once nothing waits, at most hourly, and says once when the store cannot', async () => {
    const { store, calls } = standIn([], { canDelete: false });
    let now = NOW;
    const maintainer = createRollupMaintainer(store, loadRollupConfig({ RETENTION_RAW_DAYS: '10' }), logger, () => now);
    expect((await maintainer.runOnce()).retained).toEqual([]);
    expect(calls.deleted).toEqual([
      ['raw', NOW - 10 * 24 * HOUR],
      ['1m', NOW - 400 * 24 * HOUR],
      ['2m', NOW - 400 * 24 * HOUR],
      ['5m', NOW - 400 * 24 * HOUR],
    ]);
    now += HOUR;
    await maintainer.runOnce();
    expect(calls.deleted).toHaveLength(4);
  });

  it('refuses retention that would delete rollups before the data they come from', () => {
    expect(() => loadRollupConfig({ RETENTION_RAW_DAYS: '500' })).toThrow(/RETENTION_1M_DAYS/);
    expect(() => loadRollupConfig({ RETENTION_1H_DAYS: '30' })).toThrow(/RETENTION_1H_DAYS/);
    expect(() => loadRollupConfig({ RETENTION_15M_DAYS: '500', RETENTION_1H_DAYS: '500', RETENTION_6H_DAYS: '450' })).toThrow(
      /RETENTION_6H_DAYS/,
    );
    // 5-minute rollups follow 1-minute ones unless set.
    expect(loadRollupConfig({ RETENTION_1M_DAYS: '500' }).retentionDays).toMatchObject({ '1m': 500, '2m': 500, '5m': 500, '15m': 0 });
  });
});
