/**
 * Ingest's write-ahead journal: the first hop that records a reading durably. Records are
 * appended to numbered segment files and fsynced in groups, and only then acknowledged to the
 * broker, so a reading ingest has acknowledged survives `kill -9` and a power cut. Segments are
 * deleted once everything in them is in the store; whatever is left is replayed at start.
 * The same files are the disk spool while the store is down: their total size is the spool.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, StoredReading } from '@canopy/core/node';
import { checkFrame, decodeLegacyRecord, encodeRecord, nextFrameAt, readFrame } from './journalRecord.ts';

export interface JournalPosition {
  readonly segment: number;
  /** Byte offset just past a record. */
  readonly offset: number;
}

export interface JournalEntry {
  readonly readings: readonly StoredReading[];
  readonly end: JournalPosition;
}

export interface JournalOptions {
  readonly dir: string;
  /** A segment is closed and a new one started once it reaches this size. */
  readonly segmentBytes: number;
  /** Longest wait between the start of two group fsyncs: bounds fsyncs/s under load. */
  readonly syncMs: number;
}

export interface Journal {
  /** Recovers the directory; resolves to the oldest record still to be written, if any. */
  open(): Promise<JournalPosition | undefined>;
  /**
   * Queues a record (an empty one is a barrier that keeps acknowledgements in order). `durable`
   * runs once the group holding it is fsynced, in append order, with the record's entry.
   */
  append(readings: readonly StoredReading[], durable: (entry: JournalEntry) => void): void;
  /** Resolves once everything appended so far is durable. */
  sync(): Promise<void>;
  /** Durable records from `from`, about `maxReadings` readings' worth (at least one record). */
  read(from: JournalPosition, maxReadings: number): Promise<{ entries: JournalEntry[]; next: JournalPosition }>;
  /** Just past the last durable record. */
  durableEnd(): JournalPosition;
  /** Everything up to `upTo` is in the store: deletes the closed segments it covers. */
  release(upTo: JournalPosition): Promise<void>;
  /** Bytes on disk plus bytes waiting for their fsync. */
  bytes(): number;
  close(): Promise<void>;
}

interface Pending {
  readonly record: Buffer;
  readonly readings: readonly StoredReading[];
  readonly durable: (entry: JournalEntry) => void;
}

const SEGMENT = /^(\d{12})\.jnb$/;
const segmentName = (id: number) => `${String(id).padStart(12, '0')}.jnb`;
/** Segments of the JSON-lines journal before the binary one: converted at open. */
const LEGACY_SEGMENT = /^(\d{12})\.jnl$/;
/** A group larger than this is written at once instead of waiting for the sync interval. */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;
/**
 * A read takes about what its readings need (records run ~30 bytes a reading), not a fixed 4 MB:
 * a replay reads a batch at a time, and a 4 MB buffer per batch was most of its memory churn.
 */
const READ_BYTES_PER_READING = 48;
const MIN_READ_BYTES = 64 * 1024;
const MAX_READ_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 1_000;
const EMPTY = Buffer.alloc(0);

export function comparePositions(a: JournalPosition, b: JournalPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export function createJournal(options: JournalOptions, logger: Logger): Journal {
  /** Durable size of every segment on disk, in id order; the last one is active. */
  const sizes = new Map<number, number>();
  let active: { id: number; file: FileHandle } | undefined;
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let diskBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let lastFlushAt = 0;
  let closed = false;

  const path = (id: number) => join(options.dir, segmentName(id));
  const ids = () => [...sizes.keys()].sort((a, b) => a - b);

  async function syncDir(): Promise<void> {
    // A new or deleted file survives a power cut only once its directory entry is synced.
    const dir = await open(options.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async function startSegment(id: number): Promise<void> {
    const file = await open(path(id), 'wx');
    await syncDir();
    const previous = active;
    active = { id, file };
    sizes.set(id, 0);
    await previous?.file.close();
  }

  function schedule(): void {
    if (timer || flushing || closed || pending.length === 0) return;
    const wait = pendingBytes >= MAX_GROUP_BYTES ? 0 : Math.max(0, lastFlushAt + options.syncMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, wait);
  }

  function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      const group = pending;
      const groupBytes = pendingBytes;
      pending = [];
      pendingBytes = 0;
      lastFlushAt = Date.now();
      const target = active;
      if (!target) throw new Error('journal not open');
      const start = sizes.get(target.id) ?? 0;
      try {
        if (groupBytes > 0) {
          const body = Buffer.concat(
            group.map((p) => p.record),
            groupBytes,
          );
          await target.file.write(body, 0, body.length, start);
          await target.file.datasync();
        }
      } catch (err) {
        // Nothing of this group was acknowledged: keep it and try again (a full disk can clear).
        logger.error({ err, dir: options.dir }, 'journal write failed; messages stay unacknowledged');
        pending = [...group, ...pending];
        pendingBytes += groupBytes;
        await new Promise((r) => setTimeout(r, RETRY_MS));
        return;
      }
      let offset = start;
      sizes.set(target.id, start + groupBytes);
      diskBytes += groupBytes;
      for (const p of group) {
        offset += p.record.length;
        p.durable({ readings: p.readings, end: { segment: target.id, offset } });
      }
      if (start + groupBytes >= options.segmentBytes) await startSegment(target.id + 1);
    })().finally(() => {
      flushing = undefined;
      schedule();
    });
    return flushing;
  }

  function sync(): Promise<void> {
    return new Promise<void>((resolve) => {
      pending.push({ record: EMPTY, readings: [], durable: () => resolve() });
      clearTimeout(timer);
      timer = undefined;
      void flush();
    });
  }

  async function recover(): Promise<JournalPosition | undefined> {
    await mkdir(options.dir, { recursive: true });
    await convertLegacy();
    const found = (await readdir(options.dir))
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of found) {
      const size = (await stat(path(id))).size;
      if (size === 0) {
        await rm(path(id));
        continue;
      }
      sizes.set(id, size);
      diskBytes += size;
    }
    const last = ids().at(-1);
    if (last !== undefined) {
      // Bytes after the last whole frame were never fsynced, so never acknowledged: a torn write.
      const whole = tornTailAt(await readFile(path(last)));
      if (whole < (sizes.get(last) ?? 0)) {
        logger.warn({ segment: last, cut: (sizes.get(last) ?? 0) - whole }, 'journal: cutting a torn record at the tail');
        await truncate(path(last), whole);
        diskBytes -= (sizes.get(last) ?? 0) - whole;
        sizes.set(last, whole);
      }
    }
    const first = ids()[0];
    await startSegment((last ?? 0) + 1);
    return first === undefined ? undefined : { segment: first, offset: 0 };
  }

  /**
   * Rewrites each segment an older ingest left as JSON lines into a binary one with the same id,
   * so an upgrade replays it; a torn last line is left out, as recovery always did.
   */
  async function convertLegacy(): Promise<void> {
    for (const name of (await readdir(options.dir)).filter((n) => LEGACY_SEGMENT.test(n)).sort()) {
      const id = Number(LEGACY_SEGMENT.exec(name)?.[1]);
      const lines = (await readFile(join(options.dir, name), 'utf8')).split('\n');
      const records: Buffer[] = [];
      let readings = 0;
      let unreadable = 0;
      for (const line of lines) {
        if (line === '') continue;
        const decoded = decodeLegacyRecord(line);
        if (!decoded) unreadable += 1;
        else if (decoded.length > 0) {
          records.push(encodeRecord(decoded));
          readings += decoded.length;
        }
      }
      const file = await open(path(id), 'w');
      try {
        await file.writeFile(Buffer.concat(records));
        await file.datasync();
      } finally {
        await file.close();
      }
      await syncDir();
      await rm(join(options.dir, name));
      await syncDir();
      // The last line of the last segment may be torn (never acknowledged); any other is damage.
      logger.info({ segment: id, readings, unreadable }, 'journal: converted a JSON-lines segment to the binary format');
    }
  }

  /**
   * The segment being read back stays open between reads: an open and a close per batch showed in
   * ingest's profile. Reads come from one replay at a time.
   */
  let reader: { readonly id: number; readonly file: FileHandle } | undefined;

  async function readAt(id: number, offset: number, length: number): Promise<Buffer> {
    let current = reader;
    if (current?.id !== id) {
      current = { id, file: await open(path(id), 'r') };
      await closeReader();
      reader = current;
    }
    // Only the bytes read are used (subarray below), so zero-filling would be wasted work.
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await current.file.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  async function closeReader(id?: number): Promise<void> {
    const current = reader;
    if (!current || (id !== undefined && current.id !== id)) return;
    reader = undefined;
    await current.file.close();
  }

  async function readEntries(from: JournalPosition, maxReadings: number) {
    const entries: JournalEntry[] = [];
    let readings = 0;
    let pos = from;
    /** Bytes the frame at `pos` needs, when the last read stopped inside it. */
    let frameBytes = 0;
    while (readings < maxReadings || entries.length === 0) {
      const size = sizes.get(pos.segment);
      if (size === undefined || pos.offset >= size) {
        if (pos.segment === active?.id) break;
        const next = ids().find((id) => id > pos.segment);
        if (next === undefined) break;
        pos = { segment: next, offset: 0 };
        continue;
      }
      const wanted = Math.max(MIN_READ_BYTES, Math.min(MAX_READ_BYTES, (maxReadings - readings) * READ_BYTES_PER_READING), frameBytes);
      const length = Math.min(wanted, size - pos.offset);
      const chunk = await readAt(pos.segment, pos.offset, length);
      let at = 0;
      let damaged = false;
      frameBytes = 0;
      while (readings < maxReadings || entries.length === 0) {
        const frame = readFrame(chunk, at);
        if (frame.kind === 'short') {
          frameBytes = frame.needed;
          break;
        }
        if (frame.kind === 'damaged') {
          damaged = true;
          break;
        }
        at = frame.end;
        entries.push({ readings: frame.readings, end: { segment: pos.segment, offset: pos.offset + at } });
        readings += frame.readings.length;
      }
      // Durable bytes that are no whole frame (a frame running past the segment, or past what the
      // file holds) are damage on disk: a torn tail was cut at open. Read on from the next intact frame.
      if (damaged || (at === 0 && (frameBytes > size - pos.offset || chunk.length < length))) {
        const from = pos.offset + at;
        const rest = await readAt(pos.segment, from, size - from);
        const skip = nextFrameAt(rest, 1) ?? size - from;
        logger.error({ segment: pos.segment, offset: from, skippedBytes: skip }, 'journal: skipping damaged bytes');
        pos = { segment: pos.segment, offset: from + skip };
        frameBytes = 0;
        continue;
      }
      pos = { segment: pos.segment, offset: pos.offset + at };
    }
    return { entries, next: pos };
  }

  return {
    open: recover,
    append(readings, durable) {
      if (closed) throw new Error('journal closed');
      const record = encodeRecord(readings);
      pending.push({ record, readings, durable });
      pendingBytes += record.length;
      schedule();
    },
    sync,
    read: readEntries,
    durableEnd() {
      const id = active?.id ?? 0;
      return { segment: id, offset: sizes.get(id) ?? 0 };
    },
    async release(upTo) {
      const done = ids().filter(
        (id) => id !== active?.id && (id < upTo.segment || (id === upTo.segment && upTo.offset >= (sizes.get(id) ?? 0))),
      );
      if (done.length === 0) return;
      for (const id of done) {
        diskBytes -= sizes.get(id) ?? 0;
        sizes.delete(id);
        await closeReader(id);
        await rm(path(id), { force: true });
      }
      await syncDir();
    },
    bytes: () => diskBytes + pendingBytes,
    async close() {
      if (closed) return;
      if (pending.length > 0 || flushing) await sync();
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await active?.file.close();
      active = undefined;
      await closeReader();
    },
  };
}

/**
 * Where a segment's torn tail starts: after its last intact frame, when no intact frame follows
 * (damage with intact frames after it is skipped when read, not cut). Frames are checked, not
 * decoded: the replay decodes them.
 */
function tornTailAt(segment: Buffer): number {
  let at = 0;
  for (;;) {
    const frame = checkFrame(segment, at);
    if (frame.kind === 'intact') at = frame.end;
    else {
      const next = nextFrameAt(segment, at + 1);
      if (next === undefined) return at;
      at = next;
    }
  }
}
