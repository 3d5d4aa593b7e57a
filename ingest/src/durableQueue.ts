/**
 * Between acknowledgement and the store: the journal, the memory buffer in front of the store
 * and the spool. Every record is journaled first; while the store keeps up it is also queued in
 * memory and written from there. When the memory bound is reached, records stay on disk only
 * (spooling) and are read back in journal order as the store catches up, so memory stays bounded
 * and nothing is reordered. Journal segments are deleted once written; what is left at start is
 * replayed the same way.
 */
import type { Logger, StoredReading, TimeSeriesStore } from '@canopy/core/node';
import { type BatchWriterOptions, createBatchWriter } from './batchWriter.ts';
import { comparePositions, createJournal, type JournalEntry, type JournalOptions, type JournalPosition } from './journal.ts';
import type { IngestStats } from './stats.ts';

export interface DurableQueueOptions {
  readonly journal: JournalOptions;
  /** The spool cap: journal bytes on disk beyond which no more messages are taken. */
  readonly maxSpoolBytes: number;
  readonly writer: BatchWriterOptions;
}

export interface QueueObserver {
  /** A batch reached the store: its write duration and the entries (for end-to-end lag). */
  written?(entries: readonly JournalEntry[], seconds: number): void;
  /** Journal bytes fell back under the cap's low-water mark after being full. */
  space?(): void;
}

export interface QueueStatus {
  /** Readings are on disk only, waiting for the store. */
  readonly spooling: boolean;
  /** The last store write failed. */
  readonly storeFailing: boolean;
  readonly bufferedReadings: number;
  readonly spoolBytes: number;
  readonly full: boolean;
}

export interface DurableQueue {
  start(): Promise<void>;
  /** `durable` runs once the readings are fsynced: the moment they may be acknowledged. */
  append(readings: readonly StoredReading[], durable: () => void): void;
  /** Resolves once everything appended so far is durable. */
  sync(): Promise<void>;
  full(): boolean;
  status(): QueueStatus;
  /** Writes what it can before the deadline; the rest stays in the journal for the next start. */
  stop(deadlineMs: number): Promise<void>;
}

/** Resume taking messages once the spool is back under this share of its cap. */
const LOW_WATER = 0.9;

export function createDurableQueue(
  store: TimeSeriesStore,
  options: DurableQueueOptions,
  stats: IngestStats,
  observer: QueueObserver,
  logger: Logger,
): DurableQueue {
  const journal = createJournal(options.journal, logger);
  let releasing: Promise<void> = Promise.resolve();
  let wasFull = false;
  const writer = createBatchWriter<JournalEntry>(
    store,
    options.writer,
    stats,
    {
      written(entries, seconds) {
        observer.written?.(entries, seconds);
        const last = entries.at(-1);
        if (!last) return;
        releasing = releasing
          .then(() => journal.release(last.end))
          .then(() => {
            if (wasFull && journal.bytes() <= options.maxSpoolBytes * LOW_WATER) {
              wasFull = false;
              observer.space?.();
            }
          })
          .catch((err: unknown) => logger.error({ err }, 'journal: could not delete a written segment'));
      },
    },
    logger,
  );
  let spooling = false;
  let stopped = false;
  let replaying: Promise<void> = Promise.resolve();
  /** Just past the last durable record; where a spool starts reading back from. */
  let lastDurable: JournalPosition = { segment: 0, offset: 0 };

  /**
   * A batch at a time, at most two queued behind the ones being written: enough to keep the store
   * busy through a slow read, and decoded readings then die young instead of filling V8's old
   * generation (reading back all the room at once made the replay ingest's memory peak).
   */
  async function replay(from: JournalPosition): Promise<void> {
    let cursor = from;
    const inFlight = options.writer.concurrency ?? 1;
    const ahead = Math.min((inFlight + 1) * options.writer.batchSize, Math.floor(options.writer.maxBuffered / 2));
    while (!stopped) {
      await writer.whenBelow(ahead);
      if (stopped) return;
      const { entries, next } = await journal.read(cursor, Math.max(1, Math.min(writer.room(), options.writer.batchSize)));
      for (const entry of entries) {
        writer.add(entry);
        stats.readingsReplayed += entry.readings.length;
      }
      cursor = next;
      // Checked in the same tick as the switch: records fsynced from now on are queued live.
      if (entries.length === 0 && comparePositions(cursor, journal.durableEnd()) >= 0) {
        spooling = false;
        logger.info('spool replayed; writing live again');
        return;
      }
    }
  }

  function startSpooling(from: JournalPosition): void {
    spooling = true;
    replaying = replay(from).catch((err: unknown) => {
      // The records stay in the journal; the next start replays them.
      logger.error({ err }, 'journal replay failed');
    });
  }

  function isFull(): boolean {
    const full = journal.bytes() >= options.maxSpoolBytes;
    if (full) wasFull = true;
    return full;
  }

  return {
    async start() {
      const leftover = await journal.open();
      lastDurable = journal.durableEnd();
      if (leftover) {
        logger.info({ spoolBytes: journal.bytes() }, 'replaying the journal a previous run left');
        startSpooling(leftover);
      }
    },
    append(readings, durable) {
      journal.append(readings, (entry) => {
        const previous = lastDurable;
        lastDurable = entry.end;
        if (entry.readings.length > 0) {
          if (!spooling && (writer.room() >= entry.readings.length || writer.buffered() === 0)) writer.add(entry);
          else {
            stats.readingsSpooled += entry.readings.length;
            if (!spooling) {
              logger.warn({ buffered: writer.buffered() }, 'memory buffer full; spooling to disk');
              startSpooling(previous);
            }
          }
        }
        durable();
      });
    },
    sync: () => journal.sync(),
    full: isFull,
    status: () => ({
      spooling,
      storeFailing: writer.failing(),
      bufferedReadings: writer.buffered(),
      spoolBytes: journal.bytes(),
      full: journal.bytes() >= options.maxSpoolBytes,
    }),
    async stop(deadlineMs) {
      await journal.sync();
      stopped = true;
      writer.stop();
      await replaying;
      await writer.drain(deadlineMs);
      await releasing;
      await journal.close();
    },
  };
}
