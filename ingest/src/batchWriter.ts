/**
 * Writes queued journal entries to the store in batches, by size and by time, one write in
 * flight so the store sees them in journal order. A failed batch stays at the head and is
 * retried with exponential backoff and full jitter, or after the server's Retry-After; a 400
 * drops only what the server refused (see writeErrors.ts). Memory is bounded by `maxBuffered`
 * readings: the caller asks `room()` and leaves the rest in the journal (the disk spool).
 */
import type { Logger, StoredReading, TimeSeriesStore } from '@canopy/core/node';
import type { IngestStats } from './stats.ts';
import { classifyWriteError } from './writeErrors.ts';

export interface BatchWriterOptions {
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxBuffered: number;
  readonly retry?: { readonly minMs: number; readonly maxMs: number; readonly maxRetryAfterMs?: number };
  /** Injectable for tests: delays are asserted, not waited for. */
  readonly setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
}

export interface WriterEntry {
  readonly readings: readonly StoredReading[];
}

export interface WriterEvents<E extends WriterEntry> {
  /** The entries are in the store (or refused by it for good); `seconds` is the write's duration. */
  written(entries: readonly E[], seconds: number): void;
  /** A write failed and will be retried after `delayMs`. */
  retrying?(err: unknown, delayMs: number): void;
}

export interface BatchWriter<E extends WriterEntry> {
  add(entry: E): void;
  /** Readings that can still be added within the memory bound. */
  room(): number;
  buffered(): number;
  /** True from a failed write until the next successful one. */
  failing(): boolean;
  /** Resolves once at most `readings` are queued, or at once. */
  whenBelow(readings: number): Promise<void>;
  /** Writes everything queued; resolves when the queue is empty or the deadline passes. Works after stop(). */
  drain(deadlineMs: number): Promise<void>;
  /** Ends timers and releases whenBelow() waiters. */
  stop(): void;
}

const DEFAULT_RETRY = { minMs: 250, maxMs: 30_000, maxRetryAfterMs: 300_000 };

export function createBatchWriter<E extends WriterEntry>(
  store: TimeSeriesStore,
  options: BatchWriterOptions,
  stats: IngestStats,
  events: WriterEvents<E>,
  logger: Logger,
): BatchWriter<E> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const setTimer = options.setTimer ?? setTimeout;
  let queue: E[] = [];
  let head = 0;
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let failures = 0;
  let stopped = false;
  let waiters: Array<{ readonly below: number; readonly resolve: () => void }> = [];

  function schedule(delayMs: number): void {
    if (timer || stopped) return;
    timer = setTimer(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  }

  /** Whole entries from the head, up to a batch of readings (at least one entry). */
  function nextBatch(): E[] {
    const batch: E[] = [];
    let size = 0;
    for (let i = head; i < queue.length && (batch.length === 0 || size + (queue[i]?.readings.length ?? 0) <= options.batchSize); i++) {
      const entry = queue[i] as E;
      batch.push(entry);
      size += entry.readings.length;
    }
    return batch;
  }

  function shift(batch: readonly E[]): void {
    head += batch.length;
    for (const e of batch) queued -= e.readings.length;
    // Compact now and then rather than shifting an array of 100k entries per batch.
    if (head > 1_024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (waiters.some((w) => queued <= w.below)) {
      const ready = waiters.filter((w) => queued <= w.below);
      waiters = waiters.filter((w) => queued > w.below);
      for (const w of ready) w.resolve();
    }
  }

  /** False when the batch is still at the head, to be retried. */
  async function writeHead(): Promise<boolean> {
    const batch = nextBatch();
    const readings = batch.length === 1 ? (batch[0] as E).readings : batch.flatMap((e) => e.readings);
    const started = performance.now();
    try {
      await store.write(readings);
      stats.readingsWritten += readings.length;
    } catch (err) {
      const failure = classifyWriteError(err);
      if (failure.kind === 'dropped') {
        // The server wrote the good lines and refused the rest; resending would only be refused again.
        stats.dropped[failure.reason] += failure.points ?? 1;
        stats.readingsWritten += readings.length - Math.min(readings.length, failure.points ?? 0);
        logger.error({ err: (err as Error).message, reason: failure.reason, points: failure.points }, 'store refused part of a batch');
      } else {
        failures += 1;
        stats.writeRetries += 1;
        const backoff = Math.random() * Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(failures - 1, 20));
        const delayMs = failure.afterMs === undefined ? backoff : Math.min(retry.maxRetryAfterMs, failure.afterMs);
        logger.warn(
          { err: (err as Error).message, buffered: queued, failures, delayMs: Math.round(delayMs) },
          'store write failed; will retry',
        );
        events.retrying?.(err, delayMs);
        schedule(delayMs);
        return false;
      }
    }
    failures = 0;
    shift(batch);
    events.written(batch, (performance.now() - started) / 1_000);
    return true;
  }

  function flush(): Promise<void> {
    if (writing) return writing;
    // Cleared in a then-callback, which runs after this assignment even when the loop has nothing to do.
    writing = (async () => {
      while (head < queue.length) {
        if (!(await writeHead())) return;
      }
    })().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  return {
    add(entry) {
      queue.push(entry);
      queued += entry.readings.length;
      if (failures > 0) return;
      if (queued >= options.batchSize) void flush();
      else schedule(options.flushMs);
    },
    room: () => Math.max(0, options.maxBuffered - queued),
    buffered: () => queued,
    failing: () => failures > 0,
    whenBelow(below) {
      if (queued <= below) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ below, resolve }));
    },
    async drain(deadlineMs) {
      while (head < queue.length && Date.now() < deadlineMs) {
        clearTimeout(timer);
        timer = undefined;
        const pending = flush();
        await pending;
        if (head < queue.length) await new Promise((r) => setTimeout(r, Math.min(retry.minMs, Math.max(0, deadlineMs - Date.now()))));
      }
      if (writing) await writing;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      const released = waiters;
      waiters = [];
      for (const w of released) w.resolve();
    },
  };
}
