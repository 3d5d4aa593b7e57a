/**
 * Background fsync of a SQLite WAL file, for databases opened with `synchronous = NORMAL`:
 * commits stay cheap on the event loop, and every `intervalMs` the WAL is fsynced off it, so a
 * power cut loses at most one interval of commits. Shared by the broker's persistence and its
 * publish journal.
 */
import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';

export class WalSyncer {
  readonly #walFile: string;
  readonly #onError: (err: unknown) => void;
  #fd: number | undefined;
  #unsynced = false;
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `sync` runs every `intervalMs` (0: never; the database syncs each commit itself). */
  constructor(dbFile: string, intervalMs: number, sync: () => Promise<void>, onError: (err: unknown) => void) {
    this.#walFile = `${dbFile}-wal`;
    this.#onError = onError;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => void sync(), intervalMs);
      this.#timer.unref();
    }
  }

  /** After each commit. */
  committed(): void {
    this.#unsynced = true;
  }

  /** Resolves once everything committed so far is fsynced. */
  async sync(): Promise<void> {
    if (this.#syncing) await this.#syncing;
    if (!this.#unsynced || this.#closed) return;
    this.#unsynced = false;
    const fd = this.#wal();
    if (fd === undefined) return;
    this.#syncing = new Promise<void>((resolve) =>
      fsync(fd, (err) => {
        if (err) this.#onError(err);
        resolve();
      }),
    ).finally(() => {
      this.#syncing = undefined;
    });
    await this.#syncing;
  }

  /** Stops the timer and waits for a running fsync; the caller then checkpoints and closes the database. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#syncing;
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** The WAL's descriptor; reopened should SQLite have replaced the file. */
  #wal(): number | undefined {
    try {
      const onDisk = statSync(this.#walFile).ino;
      if (this.#fd !== undefined && fstatSync(this.#fd).ino === onDisk) return this.#fd;
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = openSync(this.#walFile, 'r');
      return this.#fd;
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
  }
}
