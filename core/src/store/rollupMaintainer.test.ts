/** The maintainer's bookkeeping over a stand-in store; the real stores are exercised in tests/integration/history.test.ts. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { loadRollupConfig } from './rollupConfig.ts';
import { createRollupMaintainer, SKEW_MS } from './rollupMaintainer.ts';
import type { AggregateRow, DirtyHour, RollupLevel, RollupStore, Source } from './rollups.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 1);
const logger = createLogger({ name: 'test', level: 'silent' });

function standIn(marks: DirtyHour[], options: { canDelete?: boolean } = {}) {
  const calls = { read: [] as number[][], written: [] as [RollupLevel, number][], deleted: [] as [Source, number][] };
  let cursor: number | undefined;
  const store = {
    rollups: {
      async aggregateRaw(hours: readonly number[]) {
        calls.read.push([...hours]);
        return hours.flatMap((hour): AggregateRow[] => [
          { greenhouse: 'g', device: 'd', metric: 'ph', bucket: hour, sum: 1, count: 1, min: 1, max: 1 },
          { greenhouse: 'g', device: 'd', metric: 'ph', bucket: hour + 60_000, sum: 3, count: 1, min: 3, max: 3 },
        ]);
      },
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
    },
  } as unknown as RollupStore;
  return { store, calls, cursor: () => cursor };
}

describe('rollup maintainer', () => {
  it('rolls minutes up into exact hours and moves the cursor behind the pass', async () => {
    const { store, calls, cursor } = standIn([{ hour: NOW - 5 * HOUR, markedAt: NOW - HOUR }]);
    const pass = await createRollupMaintainer(store, loadRollupConfig({}), logger, () => NOW).runOnce();
    expect(pass).toMatchObject({ hours: 1, more: false });
    expect(calls.written).toEqual([
      ['1m', 1],
      ['1m', 3],
      ['1h', 4],
    ]);
    expect(cursor()).toBe(NOW - SKEW_MS);
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
    ]);
    now += HOUR;
    await maintainer.runOnce();
    expect(calls.deleted).toHaveLength(2);
  });

  it('refuses retention that would delete rollups before the data they come from', () => {
    expect(() => loadRollupConfig({ RETENTION_RAW_DAYS: '500' })).toThrow(/RETENTION_1M_DAYS/);
    expect(() => loadRollupConfig({ RETENTION_1H_DAYS: '30' })).toThrow(/RETENTION_1H_DAYS/);
  });
});
