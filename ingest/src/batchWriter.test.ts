import { createLogger, type StoredReading, StoreHttpError, type TimeSeriesStore } from '@canopy/core/node';
import { describe, expect, it, vi } from 'vitest';
import { createBatchWriter, type WriterEntry } from './batchWriter.ts';
import { createIngestStats } from './stats.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const reading = (i: number): StoredReading => ({ device: 'd1', greenhouse: 'g1', metric: 'ph', ts: 1_000 + i, value: 6 });
const entries = (n: number, from = 0): WriterEntry[] => Array.from({ length: n }, (_, i) => ({ readings: [reading(from + i)] }));

/** A store that records batches and answers the first writes with the given failures. */
function recordingStore(failures: unknown[] = []) {
  const batches: StoredReading[][] = [];
  const store: TimeSeriesStore = {
    async write(readings) {
      const failure = failures.shift();
      if (failure) throw failure;
      batches.push([...readings]);
    },
    latest: async () => [],
    range: async () => [],
    deleteGreenhouses: async () => {},
    close: async () => {},
  };
  return { store, batches };
}

/** A store whose writes wait until the test settles them, to order completions by hand. */
function heldStore() {
  const calls: Array<{ ts: number[]; landed: boolean; settle(err?: Error): void }> = [];
  const store: TimeSeriesStore = {
    write: (readings) =>
      new Promise<void>((resolve, reject) => {
        const call = {
          ts: readings.map((r) => r.ts),
          landed: false,
          settle(err?: Error) {
            call.landed = !err;
            if (err) reject(err);
            else resolve();
          },
        };
        calls.push(call);
      }),
    latest: async () => [],
    range: async () => [],
    deleteGreenhouses: async () => {},
    close: async () => {},
  };
  return { store, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Runs timers at once and records the delays asked for, so no test waits on the clock. */
function instantTimers() {
  const delays: number[] = [];
  const setTimer = (fn: () => void, ms: number) => {
    delays.push(ms);
    return setTimeout(fn, 0);
  };
  return { delays, setTimer };
}

describe('batch writer', () => {
  it('writes full batches at once and the remainder after the flush interval', async () => {
    const { store, batches } = recordingStore();
    const stats = createIngestStats();
    const written: number[] = [];
    const writer = createBatchWriter(
      store,
      { batchSize: 100, flushMs: 20, maxBuffered: 10_000 },
      stats,
      { written: (e) => written.push(e.length) },
      logger,
    );
    for (const e of entries(250)) writer.add(e);
    await writer.drain(Date.now() + 5_000);
    expect(batches.flat()).toHaveLength(250);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(stats.readingsWritten).toBe(250);
    expect(written.reduce((a, b) => a + b, 0)).toBe(250);
    writer.stop();
  });

  it('keeps failed batches, retries with growing jittered backoff, and preserves order', async () => {
    const down = new Error('connect ECONNREFUSED');
    const { store, batches } = recordingStore([down, down, down]);
    const stats = createIngestStats();
    const timers = instantTimers();
    const writer = createBatchWriter(
      store,
      { batchSize: 10, flushMs: 5, maxBuffered: 1_000, retry: { minMs: 100, maxMs: 1_000 }, setTimer: timers.setTimer },
      stats,
      { written: () => {} },
      logger,
    );
    for (const e of entries(25)) writer.add(e);
    await writer.drain(Date.now() + 5_000);
    expect(stats.writeRetries).toBe(3);
    expect(batches.flat().map((r) => r.ts)).toEqual(Array.from({ length: 25 }, (_, i) => 1_000 + i));
    // Full jitter under a ceiling that doubles: 100, 200, 400 ms.
    const retries = timers.delays.filter((d) => d !== 5);
    expect(retries).toHaveLength(3);
    for (const [i, d] of retries.entries()) expect(d).toBeLessThanOrEqual(100 * 2 ** i);
    writer.stop();
  });

  it.each([429, 503, 500])('honours Retry-After in seconds on %i', async (status) => {
    const { store, batches } = recordingStore([new StoreHttpError('CANOPY_STORE_WRITE', status, 7, 'busy')]);
    const stats = createIngestStats();
    const timers = instantTimers();
    const writer = createBatchWriter(
      store,
      { batchSize: 1, flushMs: 1, maxBuffered: 1_000, setTimer: timers.setTimer },
      stats,
      { written: () => {} },
      logger,
    );
    writer.add({ readings: [reading(1)] });
    await writer.drain(Date.now() + 5_000);
    expect(timers.delays).toContain(7_000);
    expect(batches).toHaveLength(1);
    writer.stop();
  });

  it('drops only what a 400 partial write refused, counted by reason, and moves on', async () => {
    const partial = new StoreHttpError(
      'CANOPY_STORE_WRITE',
      400,
      undefined,
      'partial write',
      '{"error":"partial write: field type conflict: input field \\"ph\\" on measurement \\"telemetry\\" is type integer, already exists as type float dropped=2"}',
    );
    const { store, batches } = recordingStore([partial]);
    const stats = createIngestStats();
    const writer = createBatchWriter(store, { batchSize: 5, flushMs: 1, maxBuffered: 1_000 }, stats, { written: () => {} }, logger);
    for (const e of entries(10)) writer.add(e);
    await writer.drain(Date.now() + 5_000);
    expect(stats.dropped.field_type_conflict).toBe(2);
    expect(stats.writeRetries).toBe(0);
    // The first batch is not resent: InfluxDB wrote its good lines already.
    expect(batches.flat().map((r) => r.ts)).toEqual([1_005, 1_006, 1_007, 1_008, 1_009]);
    expect(stats.readingsWritten).toBe(8);
    writer.stop();
  });

  it('retries, never drops, when the store refuses the credentials or the database', async () => {
    const { store, batches } = recordingStore([new StoreHttpError('CANOPY_STORE_WRITE', 401, undefined, 'unauthorized')]);
    const stats = createIngestStats();
    const timers = instantTimers();
    const writer = createBatchWriter(
      store,
      { batchSize: 1, flushMs: 1, maxBuffered: 1_000, setTimer: timers.setTimer },
      stats,
      { written: () => {} },
      logger,
    );
    writer.add({ readings: [reading(1)] });
    await writer.drain(Date.now() + 5_000);
    expect(stats.writeRetries).toBe(1);
    expect(batches).toHaveLength(1);
    writer.stop();
  });

  it('keeps up to `concurrency` writes in flight and completes them in queue order', async () => {
    const { store, calls } = heldStore();
    const stats = createIngestStats();
    const written: number[][] = [];
    const writer = createBatchWriter(
      store,
      { batchSize: 2, flushMs: 60_000, maxBuffered: 100, concurrency: 2 },
      stats,
      { written: (e) => written.push(e.flatMap((x) => x.readings.map((r) => r.ts))) },
      logger,
    );
    for (const e of entries(6)) writer.add(e);
    expect(calls.map((c) => c.ts)).toEqual([
      [1_000, 1_001],
      [1_002, 1_003],
    ]);
    // In flight counts against the memory bound.
    expect(writer.room()).toBe(94);
    calls[1]?.settle();
    await tick();
    expect(written).toEqual([]);
    calls[0]?.settle();
    await tick();
    expect(written).toEqual([
      [1_000, 1_001],
      [1_002, 1_003],
    ]);
    expect(calls.map((c) => c.ts)).toHaveLength(3);
    calls[2]?.settle();
    await writer.drain(Date.now() + 5_000);
    expect(stats.readingsWritten).toBe(6);
    expect(writer.room()).toBe(100);
    writer.stop();
  });

  it('after a failure writes the failed batch and every batch behind it again, in queue order', async () => {
    const { store, calls } = heldStore();
    const stats = createIngestStats();
    const timers = instantTimers();
    const written: number[] = [];
    const writer = createBatchWriter(
      store,
      { batchSize: 2, flushMs: 60_000, maxBuffered: 100, concurrency: 2, retry: { minMs: 100, maxMs: 1_000 }, setTimer: timers.setTimer },
      stats,
      { written: (e) => written.push(...e.flatMap((x) => x.readings.map((r) => r.ts))) },
      logger,
    );
    for (const e of entries(5)) writer.add(e);
    // The second batch lands, the first fails: nothing is complete, nothing new is sent.
    calls[1]?.settle();
    calls[0]?.settle(new Error('socket hang up'));
    await tick();
    expect(writer.failing()).toBe(true);
    expect(written).toEqual([]);
    // The retry sends the first batch, then the second again, before the rest.
    await vi.waitFor(() => expect(calls).toHaveLength(4));
    expect(calls.slice(2).map((c) => c.ts)).toEqual([
      [1_000, 1_001],
      [1_002, 1_003],
    ]);
    for (const c of calls.slice(2)) c.settle();
    await vi.waitFor(() => expect(calls).toHaveLength(5));
    calls[4]?.settle();
    await writer.drain(Date.now() + 5_000);
    expect(written).toEqual([1_000, 1_001, 1_002, 1_003, 1_004]);
    expect(calls.filter((c) => c.landed).map((c) => c.ts[0])).toEqual([1_002, 1_000, 1_002, 1_004]);
    expect(stats.readingsWritten).toBe(5);
    expect(stats.writeRetries).toBe(1);
    expect(writer.failing()).toBe(false);
    writer.stop();
  });

  it('reports the room left under its memory bound, and writes at the bound without waiting for the flush interval', async () => {
    const { store, batches } = recordingStore();
    const writer = createBatchWriter(
      store,
      { batchSize: 10_000, flushMs: 60_000, maxBuffered: 100 },
      createIngestStats(),
      { written: () => {} },
      logger,
    );
    writer.add({ readings: Array.from({ length: 60 }, (_, i) => reading(i)) });
    expect(writer.room()).toBe(40);
    expect(writer.buffered()).toBe(60);
    await tick();
    expect(batches).toHaveLength(0);
    // At the bound nothing more can join the batch, so it goes although it is under one batch.
    writer.add({ readings: Array.from({ length: 40 }, (_, i) => reading(60 + i)) });
    await tick();
    expect(batches.map((b) => b.length)).toEqual([100]);
    expect(writer.room()).toBe(100);
    writer.stop();
  });
});
