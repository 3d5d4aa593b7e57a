/**
 * Batches readings to the store by size and by time, one write in flight at a time, and keeps
 * a failed batch at the head of the queue to retry with backoff, so order and data survive a
 * store outage up to the memory bound.
 */
import type { Logger, StoredReading, TimeSeriesStore } from '@canopy/core/node';
import type { IngestStats } from './stats.ts';

export interface BatchWriterOptions {
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxBuffered: number;
  readonly retry?: { readonly minMs: number; readonly maxMs: number };
}

export interface BatchWriter {
  /** False when the buffer is full and the readings were not taken. */
  add(readings: readonly StoredReading[]): boolean;
  /** Writes everything buffered; resolves when the buffer is empty or the deadline passes. */
  drain(deadlineMs: number): Promise<void>;
  buffered(): number;
  stop(): void;
}

export function createBatchWriter(store: TimeSeriesStore, options: BatchWriterOptions, stats: IngestStats, logger: Logger): BatchWriter {
  const retry = options.retry ?? { minMs: 250, maxMs: 30_000 };
  let queue: StoredReading[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let failures = 0;
  let stopped = false;

  function schedule(delayMs: number): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  }

  async function writeHead(): Promise<void> {
    const batch = queue.slice(0, options.batchSize);
    try {
      await store.write(batch);
      queue = queue.slice(batch.length);
      stats.readingsWritten += batch.length;
      failures = 0;
    } catch (err) {
      failures += 1;
      stats.writeFailures += 1;
      logger.warn({ err: (err as Error).message, buffered: queue.length, failures }, 'store write failed; will retry');
      throw err;
    }
  }

  async function flush(): Promise<void> {
    if (writing) return writing;
    writing = (async () => {
      try {
        while (queue.length > 0) await writeHead();
      } catch {
        // Exponential backoff with full jitter, so several ingest processes don't retry in step.
        const ceiling = Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(failures, 20));
        schedule(Math.random() * ceiling);
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  }

  return {
    add(readings) {
      if (queue.length + readings.length > options.maxBuffered) return false;
      queue.push(...readings);
      if (queue.length >= options.batchSize && failures === 0) void flush();
      else schedule(options.flushMs);
      return true;
    },
    async drain(deadlineMs) {
      while (queue.length > 0 && Date.now() < deadlineMs) {
        await flush();
        if (queue.length > 0) await new Promise((r) => setTimeout(r, Math.min(retry.minMs, Math.max(0, deadlineMs - Date.now()))));
      }
      if (writing) await writing;
    },
    buffered: () => queue.length,
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
