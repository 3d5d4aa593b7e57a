import { createLogger, type StoredReading, type TimeSeriesStore } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { createBatchWriter } from './batchWriter.ts';
import { createIngestStats } from './stats.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const reading = (i: number): StoredReading => ({ device: 'd1', greenhouse: 'g1', metric: 'ph', ts: 1_000 + i, value: 6 });

/** A store that records batches and fails the first `failures` writes. */
function recordingStore(failures = 0) {
  const batches: StoredReading[][] = [];
  let remaining = failures;
  const store: TimeSeriesStore = {
    async write(readings) {
      if (remaining-- > 0) throw new Error('store down');
      batches.push([...readings]);
    },
    latest: async () => [],
    range: async () => [],
    close: async () => {},
  };
  return { store, batches };
}

describe('batch writer', () => {
  it('writes full batches at once and the remainder after the flush interval', async () => {
    const { store, batches } = recordingStore();
    const stats = createIngestStats();
    const writer = createBatchWriter(store, { batchSize: 100, flushMs: 20, maxBuffered: 10_000 }, stats, logger);
    writer.add(Array.from({ length: 250 }, (_, i) => reading(i)));
    await new Promise((r) => setTimeout(r, 100));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(stats.readingsWritten).toBe(250);
    writer.stop();
  });

  it('keeps failed batches, retries with backoff, and preserves order', async () => {
    const { store, batches } = recordingStore(3);
    const stats = createIngestStats();
    const writer = createBatchWriter(
      store,
      { batchSize: 10, flushMs: 5, maxBuffered: 1_000, retry: { minMs: 5, maxMs: 20 } },
      stats,
      logger,
    );
    writer.add(Array.from({ length: 25 }, (_, i) => reading(i)));
    await writer.drain(Date.now() + 2_000);
    expect(stats.writeFailures).toBe(3);
    expect(batches.flat().map((r) => r.ts)).toEqual(Array.from({ length: 25 }, (_, i) => 1_000 + i));
    writer.stop();
  });

  it('refuses readings beyond its memory bound instead of growing', () => {
    const { store } = recordingStore(1_000);
    const writer = createBatchWriter(store, { batchSize: 10_000, flushMs: 60_000, maxBuffered: 100 }, createIngestStats(), logger);
    expect(writer.add(Array.from({ length: 100 }, (_, i) => reading(i)))).toBe(true);
    expect(writer.add([reading(101)])).toBe(false);
    expect(writer.buffered()).toBe(100);
    writer.stop();
  });
});
