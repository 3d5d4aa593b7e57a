/**
 * Writes queued journal entries to the store in batches, by size and by time, with up to
 * `concurrency` writes in flight: InfluxDB takes a request on its own cores while the next is
 * being sent, and one write at a time left it idle between requests (BENCHMARKS.md, "Seventh
 * session"). Batches are completed in queue order whatever order their writes finish in, so the
 * caller can release the journal up to the last completed entry.
 *
 * A failed batch is retried with exponential backoff and full jitter, or after the server's
 * Retry-After; every batch behind it is written again after it, even one that had landed, so the
 * store still sees the queue's order last (what decides it for a device that sends two values for
 * one timestamp). A 400 drops only what the server refused (see writeErrors.ts). Memory is
 * bounded by `maxBuffered` readings, in flight included: the caller asks `room()` and leaves the
 * rest in the journal (the disk spool).
 */
import type { Logger, StoredReading, TimeSeriesStore } from '@canopy/core/node';
import type { IngestStats } from './stats.ts';
import { classifyWriteError, type DropReason } from './writeErrors.ts';

export interface BatchWriterOptions {
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxBuffered: number;
  /** Writes in flight at once; 1 writes strictly one batch after another. */
  readonly concurrency?: number;
  readonly retry?: { readonly minMs: number; readonly maxMs: number; readonly maxRetryAfterMs?: number };
  /** Injectable for tests: delays are asserted, not waited for. */
  readonly setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
}

export interface WriterEntry {
  readonly readings: readonly StoredReading[];
}

export interface WriterEvents<E extends WriterEntry> {
  /** The entries are in the store (or refused by it for good); `seconds` is the write's duration. In queue order. */
  written(entries: readonly E[], seconds: number): void;
  /** A write failed and will be retried after `delayMs`. */
  retrying?(err: unknown, delayMs: number): void;
}

export interface BatchWriter<E extends WriterEntry> {
  add(entry: E): void;
  /** Readings that can still be added within the memory bound. */
  room(): number;
  /** Readings added and not yet written, in flight included. */
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

type Outcome =
  | { readonly ok: true; readonly seconds: number; readonly dropped?: { readonly reason: DropReason; readonly points: number | undefined } }
  | { readonly ok: false; readonly err: unknown; readonly afterMs: number | undefined };

/** A batch sent to the store; `outcome` is set when its write settles. */
interface Flight<E> {
  readonly batch: readonly E[];
  readonly readings: number;
  readonly started: number;
  outcome?: Outcome;
}

/** The batch's readings in one array: flatMap took ~1 µs a message here, this loop ~0.03. */
function concat(batch: readonly WriterEntry[]): StoredReading[] {
  let size = 0;
  for (const e of batch) size += e.readings.length;
  const out = new Array<StoredReading>(size);
  let k = 0;
  for (const e of batch) for (const r of e.readings) out[k++] = r;
  return out;
}

export function createBatchWriter<E extends WriterEntry>(
  store: TimeSeriesStore,
  options: BatchWriterOptions,
  stats: IngestStats,
  events: WriterEvents<E>,
  logger: Logger,
): BatchWriter<E> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const setTimer = options.setTimer ?? setTimeout;
  /** Entries from `head` are not yet written; from `next`, not yet sent. */
  let queue: E[] = [];
  let head = 0;
  let next = 0;
  /** Readings from `head` (the memory bound) and from `next` (what the next batch can take). */
  let queued = 0;
  let unsent = 0;
  /** In queue order. */
  let flights: Flight<E>[] = [];
  let timer: NodeJS.Timeout | undefined;
  /** A write failed: nothing is sent until the flights settle and the retry is due. */
  let blocked = false;
  let failures = 0;
  let stopped = false;
  let waiters: Array<{ readonly below: number; readonly resolve: () => void }> = [];
  let idle: Array<() => void> = [];

  function schedule(delayMs: number): void {
    if (timer || stopped) return;
    timer = setTimer(() => {
      timer = undefined;
      send(true);
    }, delayMs);
  }

  /** Whole entries from `next`, up to a batch of readings (at least one entry). */
  function takeBatch(): Flight<E> {
    const batch: E[] = [];
    let size = 0;
    while (next < queue.length) {
      const entry = queue[next] as E;
      if (batch.length > 0 && size + entry.readings.length > options.batchSize) break;
      batch.push(entry);
      size += entry.readings.length;
      next += 1;
    }
    unsent -= size;
    return { batch, readings: size, started: performance.now() };
  }

  /**
   * Fills the free flights: with full batches, or with whatever is queued when `partial` or at the
   * memory bound, where nothing more can join the batch (a bound under one batch would otherwise
   * write one partial batch per flush interval: 1,000 readings every 250 ms, replaying at ~400 msg/s).
   */
  function send(partial: boolean): void {
    while (
      !blocked &&
      flights.length < concurrency &&
      next < queue.length &&
      (partial || unsent >= options.batchSize || queued >= options.maxBuffered)
    ) {
      const flight = takeBatch();
      flights.push(flight);
      void fly(flight);
    }
    if (!blocked && next < queue.length) schedule(options.flushMs);
  }

  async function fly(flight: Flight<E>): Promise<void> {
    const readings = flight.batch.length === 1 ? (flight.batch[0] as E).readings : concat(flight.batch);
    const seconds = () => (performance.now() - flight.started) / 1_000;
    try {
      await store.write(readings);
      flight.outcome = { ok: true, seconds: seconds() };
    } catch (err) {
      const failure = classifyWriteError(err);
      // The server wrote the good lines and refused the rest; resending would only be refused again.
      if (failure.kind === 'dropped') flight.outcome = { ok: true, seconds: seconds(), dropped: failure };
      else {
        flight.outcome = { ok: false, err, afterMs: failure.afterMs };
        blocked = true;
      }
    }
    settle();
  }

  /** Completes the settled flights at the front, then retries from the first failed one once none is in the air. */
  function settle(): void {
    while (flights[0]?.outcome?.ok) {
      const flight = flights.shift() as Flight<E>;
      complete(flight);
    }
    if (flights.some((f) => !f.outcome)) return;
    const failed = flights[0];
    if (failed?.outcome && !failed.outcome.ok) {
      // Those behind it are sent again after it, landed or not.
      flights = [];
      next = head;
      unsent = queued;
      failures += 1;
      stats.writeRetries += 1;
      const { err, afterMs } = failed.outcome;
      const backoff = Math.random() * Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(failures - 1, 20));
      const delayMs = afterMs === undefined ? backoff : Math.min(retry.maxRetryAfterMs, afterMs);
      logger.warn(
        { err: (err as Error).message, buffered: queued, failures, delayMs: Math.round(delayMs) },
        'store write failed; will retry',
      );
      events.retrying?.(err, delayMs);
      clearTimeout(timer);
      timer = undefined;
      if (!stopped) {
        timer = setTimer(() => {
          timer = undefined;
          blocked = false;
          send(true);
        }, delayMs);
      }
    } else if (!blocked) {
      // With a write still in the air the store is busy: only a full batch is worth sending now.
      send(flights.length === 0);
    }
    if (flights.length === 0) {
      const released = idle;
      idle = [];
      for (const resolve of released) resolve();
    }
  }

  function complete(flight: Flight<E>): void {
    const outcome = flight.outcome as Outcome & { ok: true };
    if (outcome.dropped) {
      const points = outcome.dropped.points;
      stats.dropped[outcome.dropped.reason] += points ?? 1;
      stats.readingsWritten += flight.readings - Math.min(flight.readings, points ?? 0);
      logger.error({ reason: outcome.dropped.reason, points }, 'store refused part of a batch');
    } else stats.readingsWritten += flight.readings;
    failures = 0;
    head += flight.batch.length;
    queued -= flight.readings;
    // Compact now and then rather than shifting an array of 100k entries per batch.
    if (head > 1_024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      next -= head;
      head = 0;
    }
    events.written(flight.batch, outcome.seconds);
    if (waiters.some((w) => queued <= w.below)) {
      const ready = waiters.filter((w) => queued <= w.below);
      waiters = waiters.filter((w) => queued > w.below);
      for (const w of ready) w.resolve();
    }
  }

  const settled = (): Promise<void> => (flights.length === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve)));

  return {
    add(entry) {
      queue.push(entry);
      queued += entry.readings.length;
      unsent += entry.readings.length;
      send(false);
    },
    room: () => Math.max(0, options.maxBuffered - queued),
    buffered: () => queued,
    failing: () => failures > 0 || blocked,
    whenBelow(below) {
      if (queued <= below) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ below, resolve }));
    },
    async drain(deadlineMs) {
      // Retries at the shortest backoff rather than the schedule's: the deadline is what bounds it.
      while (head < queue.length && Date.now() < deadlineMs) {
        await settled();
        clearTimeout(timer);
        timer = undefined;
        blocked = false;
        send(true);
        await settled();
        if (head < queue.length) await new Promise((r) => setTimeout(r, Math.min(retry.minMs, Math.max(0, deadlineMs - Date.now()))));
      }
      await settled();
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
