/**
 * A SQLite file (WAL) written in batches, for the broker's persistence and its publish journal:
 * the writes queued during one event-loop turn commit in one transaction on the next turn
 * (`setImmediate`), or at once past `maxPending`. Commits are not fsynced (`synchronous =
 * NORMAL`); a WalSyncer fsyncs the WAL off the event loop every `syncIntervalMs`, which bounds
 * what a power cut can take (SQLite's recovery keeps the valid prefix of the WAL). With
 * `syncIntervalMs` 0 every commit is synced (`FULL`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WalSyncer } from './walSyncer.ts';

export interface SqliteBatchOptions {
  readonly file: string;
  readonly syncIntervalMs: number;
  readonly schema: string;
  readonly onError: (err: unknown) => void;
  /** Writes buffered before they are committed at once, whatever the event loop does. */
  readonly maxPending?: number;
}

/** Runs after its batch's commit; with the error when the commit failed. */
export type AfterCommit = (err?: Error) => void;

export class SqliteBatch {
  readonly db: Database.Database;
  readonly #options: SqliteBatchOptions;
  readonly #walSync: WalSyncer;
  readonly #commit: (ops: ReadonlyArray<() => void>) => void;
  #pending: Array<() => void> = [];
  #after: AfterCommit[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(options: SqliteBatchOptions) {
    this.#options = options;
    mkdirSync(dirname(options.file), { recursive: true });
    this.#walSync = new WalSyncer(options.file, options.syncIntervalMs, () => this.sync(), options.onError);
    const db = new Database(options.file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.syncIntervalMs === 0 ? 'FULL' : 'NORMAL'}`);
    db.exec(options.schema);
    this.db = db;
    this.#commit = db.transaction((ops: ReadonlyArray<() => void>) => {
      for (const op of ops) op();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues a write; `after` runs once it is committed (a no-op write just waits for the next commit). */
  write(op: () => void, after?: AfterCommit): void {
    if (this.#closed) return;
    this.#pending.push(op);
    if (after) this.#after.push(after);
    if (this.#pending.length >= (this.#options.maxPending ?? Number.POSITIVE_INFINITY)) this.flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits what is queued now. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0 || this.#closed) return;
    const ops = this.#pending;
    const after = this.#after;
    this.#pending = [];
    this.#after = [];
    let failure: Error | undefined;
    try {
      this.#commit(ops);
      this.#walSync.committed();
    } catch (err) {
      this.#options.onError(err);
      failure = err instanceof Error ? err : new Error(String(err));
    }
    for (const fn of after) fn(failure);
  }

  /** Resolves once everything committed so far is fsynced. */
  async sync(): Promise<void> {
    this.flush();
    await this.#walSync.sync();
  }

  /** Writes and syncs what is pending, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    await this.#walSync.close();
    this.#closed = true;
    // A checkpoint syncs the database file: nothing is left only in the WAL.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
