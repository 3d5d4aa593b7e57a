import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type StoredReading, StoreError, type TimeSeriesStore } from '@canopy/core/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createDurableQueue, type DurableQueueOptions } from './durableQueue.ts';
import { createIngestStats } from './stats.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const reading = (i: number): StoredReading => ({ device: 'd1', greenhouse: 'g1', metric: 'ph', ts: 1_700_000_000_000 + i, value: 6 });
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A store that can be switched off; it records every reading it accepted, in order. */
function switchableStore() {
  const stored: number[] = [];
  let up = true;
  const store: TimeSeriesStore = {
    async write(readings) {
      if (!up) throw new StoreError('CANOPY_STORE_UNREACHABLE', 'down');
      stored.push(...readings.map((r) => r.ts - 1_700_000_000_000));
    },
    latest: async () => [],
    range: async () => [],
    deleteGreenhouses: async () => {},
    close: async () => {},
  };
  return { store, stored, setUp: (value: boolean) => (up = value) };
}

async function options(overrides: Partial<DurableQueueOptions['writer']> = {}, maxSpoolBytes = 1 << 30): Promise<DurableQueueOptions> {
  const dir = await mkdtemp(join(tmpdir(), 'canopy-queue-'));
  dirs.push(dir);
  return {
    journal: { dir, segmentBytes: 2_000, syncMs: 1 },
    maxSpoolBytes,
    writer: { batchSize: 10, flushMs: 1, maxBuffered: 20, retry: { minMs: 1, maxMs: 5 }, ...overrides },
  };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

function appendMany(queue: ReturnType<typeof createDurableQueue>, from: number, count: number): Promise<void> {
  const acked: Promise<void>[] = [];
  for (let i = from; i < from + count; i++) acked.push(new Promise((resolve) => queue.append([reading(i)], () => resolve())));
  return Promise.all(acked).then(() => undefined);
}

describe('durable queue', () => {
  it('spools beyond its memory bound while the store is down and replays everything in order', async () => {
    const { store, stored, setUp } = switchableStore();
    const stats = createIngestStats();
    const queue = createDurableQueue(store, await options(), stats, {}, logger);
    await queue.start();
    setUp(false);
    for (let round = 0; round < 10; round++) await appendMany(queue, round * 10, 10);
    expect(queue.status().spooling).toBe(true);
    expect(queue.status().bufferedReadings).toBeLessThanOrEqual(20);
    expect(stats.readingsSpooled).toBeGreaterThan(0);
    setUp(true);
    await until(() => stored.length >= 100 && !queue.status().spooling, 'the spool to drain');
    expect(stored).toEqual([...Array(100).keys()]);
    expect(stats.readingsReplayed).toBe(stats.readingsSpooled);
    await appendMany(queue, 100, 5);
    await until(() => stored.length === 105, 'live writes');
    await queue.stop(Date.now() + 1_000);
  });

  it('replays what a killed run left, and says when its spool is full', async () => {
    const opts = await options({}, 4_000);
    const first = switchableStore();
    first.setUp(false);
    const queue = createDurableQueue(first.store, opts, createIngestStats(), {}, logger);
    await queue.start();
    for (let round = 0; round < 40 && !queue.full(); round++) await appendMany(queue, round * 10, 10);
    expect(queue.full()).toBe(true);
    expect(queue.status().full).toBe(true);
    expect(first.stored).toEqual([]);
    // Abandoned without stop(), as after kill -9: a second queue on the same directory takes over.
    const second = switchableStore();
    const stats = createIngestStats();
    const again = createDurableQueue(second.store, opts, stats, {}, logger);
    await again.start();
    await until(() => !again.status().spooling, 'the replay');
    expect(second.stored).toEqual([...Array(second.stored.length).keys()]);
    expect(second.stored.length).toBeGreaterThanOrEqual(10);
    expect(again.full()).toBe(false);
    await again.stop(Date.now() + 1_000);
    await queue.stop(Date.now());
  });

  it('replays a batch at a time, at most two batches ahead of the store', async () => {
    const { store, stored, setUp } = switchableStore();
    const stats = createIngestStats();
    let replayPeak = 0;
    const writes: number[] = [];
    const watched: TimeSeriesStore = {
      ...store,
      async write(readings) {
        writes.push(readings.length);
        if (stats.readingsReplayed > 0) replayPeak = Math.max(replayPeak, queue.status().bufferedReadings);
        // Slower than a journal read, as a real store is: the replay has time to top up.
        await new Promise((r) => setTimeout(r, 2));
        await store.write(readings);
      },
    };
    const queue = createDurableQueue(watched, await options({ batchSize: 10, maxBuffered: 200 }), stats, {}, logger);
    await queue.start();
    setUp(false);
    for (let round = 0; round < 10; round++) await appendMany(queue, round * 100, 100);
    expect(queue.status().bufferedReadings).toBe(200);
    setUp(true);
    await until(() => stored.length >= 1_000 && !queue.status().spooling, 'the spool to drain');
    expect(stored).toEqual([...Array(1_000).keys()]);
    expect(stats.readingsReplayed).toBe(800);
    // Reading back all the room at once (the old way) refilled it to 190 here.
    expect(replayPeak).toBeGreaterThan(0);
    expect(replayPeak).toBeLessThanOrEqual(2 * 10 + 10);
    expect(Math.max(...writes)).toBeLessThanOrEqual(10);
    await queue.stop(Date.now() + 1_000);
  });
});
