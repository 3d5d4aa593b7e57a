/** The SQLite store's two connections: history reads do not wait for a write in progress. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqliteStore.ts';
import type { StoredReading } from './timeSeriesStore.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createSqliteStore', () => {
  it('answers a history read while a large write is still being committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-sqlite-store-'));
    dirs.push(dir);
    const store = await createSqliteStore({ file: join(dir, 'timeseries.db') });
    try {
      const t0 = 1_699_999_980_000; // on a minute
      await store.write([{ greenhouse: 'gh-a', device: 'a1', metric: 'air_temp_c', ts: t0, value: 21 }]);
      // Hundreds of milliseconds of inserts on the writer's thread.
      const big: StoredReading[] = Array.from({ length: 300_000 }, (_, i) => ({
        greenhouse: 'gh-b',
        device: `b${i % 50}`,
        metric: 'rh_pct',
        ts: t0 + i * 1_000,
        value: 60,
      }));
      const order: string[] = [];
      const writing = store.write(big).then(() => order.push('write'));
      const reading = store
        .range({ greenhouse: 'gh-a', metrics: ['air_temp_c'], from: t0, to: t0 + 60_000, stepMs: 60_000, byDevice: false })
        .then((series) => {
          order.push('read');
          return series;
        });
      const [series] = await Promise.all([reading, writing]);
      expect(order).toEqual(['read', 'write']);
      expect(series[0]?.points).toEqual([[t0, 21, 21, 21]]);
    } finally {
      await store.close();
    }
  });
});
