/**
 * Closes the gap Aedes leaves between its PUBACK and its persistence: Aedes acknowledges a QoS 1
 * PUBLISH and only then publishes it (lib/handlers/publish.js), so a broker killed in between
 * has acknowledged a message it never queued. The broker's `authorizePublish` hands each
 * accepted QoS ≥ 1 message to `hold` first; the message is written to this journal (SQLite, WAL,
 * one transaction per event-loop turn) and only then allowed on to its PUBACK. Once the
 * persistence has queued it for the persistent sessions (`settle`, called after
 * `outgoingEnqueueCombi` resolves), its journal row is deleted. What a crash leaves in the
 * journal is published again at the next start (`leftovers`), and a row the persistence failed
 * to queue while running (Redis down, say) is published again by a periodic sweep (`stale`):
 * at worst a duplicate, which Canopy's store overwrites (a reading's identity is device, metric
 * and timestamp).
 *
 * Aedes calls `outgoingEnqueueCombi` once for every QoS ≥ 1 publish, with or without persistent
 * subscribers, passing a copy of the packet that shares the payload buffer; the row's id travels
 * on that buffer (a WeakMap keyed by it cost ~10 % more CPU per message, in garbage collection).
 */
import type Database from 'better-sqlite3';
import { SqliteBatch } from './sqliteBatch.ts';

export interface JournalPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
  readonly qos: number;
  readonly retain: boolean;
}

export interface RecoveredPacket {
  readonly cmd: 'publish';
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
}

export interface PublishJournalOptions {
  readonly file: string;
  /** Longest a committed row waits for its fsync; 0 syncs every commit (and the PUBACK waits for it). */
  readonly syncIntervalMs: number;
  readonly onError: (err: unknown) => void;
}

const ROW = Symbol('journal row');
/** A payload with the id of its journal row. */
type Journaled = Buffer & { [ROW]?: number | undefined };

export class PublishJournal {
  readonly #batch: SqliteBatch;
  readonly #insert: Database.Statement;
  readonly #delete: Database.Statement;
  #nextId: number;
  /** The newest row at the previous `stale` call. */
  #watermark = 0;

  constructor(options: PublishJournalOptions) {
    this.#batch = new SqliteBatch({
      ...options,
      schema:
        'CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL)',
    });
    const { db } = this.#batch;
    this.#insert = db.prepare('INSERT INTO inbound (id, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM inbound WHERE id = ?');
    this.#nextId = ((db.prepare('SELECT max(id) AS id FROM inbound').get() as { id: number | null }).id ?? 0) + 1;
  }

  /**
   * Journals an accepted PUBLISH; `done` (and with it the PUBACK) follows the commit. A failed
   * write refuses the PUBLISH (the client's connection closes, it sends again): no PUBACK without the row.
   */
  hold(packet: JournalPacket, done: (err?: Error) => void): void {
    if (packet.qos === 0 || this.#batch.closed) {
      done();
      return;
    }
    const payload: Journaled = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const id = this.#nextId++;
    payload[ROW] = id;
    const row = [id, packet.topic, payload, packet.qos, packet.retain ? 1 : 0];
    this.#batch.write(() => this.#insert.run(...row), done);
  }

  /** The persistence has queued this message: its journal row may go. */
  settle(packet: { payload: Buffer | string }): void {
    if (typeof packet.payload === 'string') return;
    const payload: Journaled = packet.payload;
    const id = payload[ROW];
    if (id === undefined) return;
    payload[ROW] = undefined;
    this.forget(id);
  }

  /** Messages acknowledged by a previous run that never reached the persistence; publish, then `forget`. */
  leftovers(): Array<{ id: number; packet: RecoveredPacket }> {
    return this.#rows(Number.MAX_SAFE_INTEGER, -1);
  }

  /**
   * Rows that were already here at the previous call and are still not settled: the persistence
   * failed to queue them. The oldest `limit`, each to publish again; `settle` then removes it.
   */
  stale(limit: number): Array<{ id: number; packet: RecoveredPacket }> {
    this.#batch.flush();
    const rows = this.#rows(this.#watermark, limit);
    this.#watermark = this.#nextId - 1;
    for (const { id, packet } of rows) (packet.payload as Journaled)[ROW] = id;
    return rows;
  }

  #rows(maxId: number, limit: number): Array<{ id: number; packet: RecoveredPacket }> {
    const rows = this.#batch.db
      .prepare('SELECT id, topic, payload, qos, retain FROM inbound WHERE id <= ? ORDER BY id LIMIT ?')
      .all(maxId, limit) as Array<{
      id: number;
      topic: string;
      payload: Buffer;
      qos: number;
      retain: number;
    }>;
    return rows.map((r) => ({
      id: r.id,
      packet: { cmd: 'publish', topic: r.topic, payload: r.payload, qos: r.qos as 0 | 1 | 2, retain: r.retain === 1, dup: false },
    }));
  }

  forget(id: number): void {
    this.#batch.write(() => this.#delete.run(id));
  }

  /** Resolves once everything committed so far is fsynced. */
  sync(): Promise<void> {
    return this.#batch.sync();
  }

  close(): Promise<void> {
    return this.#batch.close();
  }
}
