/**
 * The broker's embedded durable persistence: the in-memory persistence (memoryPersistence.ts), mirrored
 * write-behind to a SQLite file (WAL) in DATA_DIR/broker, and loaded back from it at start.
 *
 * Why not aedes-persistence-level: its writes complete out of order (LevelDB work runs on the
 * libuv thread pool), so a message can reach a connected `clean: false` subscriber after one
 * published later. Aedes' `dedupe` (lib/client.js) forwards a message only if its brokerCounter
 * is above the highest already forwarded to that client, so the late one is dropped without a
 * trace: it stays in the stored queue and is sent only at the subscriber's next reconnect
 * (aedes issue #955, aedes-persistence-mongodb issue #27). Here every Aedes call is answered from
 * memory, in call order, exactly as with `memory`; SQLite only records what memory holds.
 *
 * Except a long queue (ingest's during an outage: 2.16M messages in 6 h, 2 GB of RSS when all held
 * in memory): past `queueMemoryMessages` entries of a session waiting to be sent, a new entry leaves memory once its
 * row is committed, and is brought back, still synchronously, when Aedes needs it: `outgoingStream`
 * reads the file a page at a time and `outgoingUpdate` looks up a live delivery's entry. Entries
 * are ordered by their row's seq, assigned at enqueue, so memory and file merge in queue order.
 *
 * Durability: the changes of one event-loop turn are written in one transaction on the next
 * turn (sqliteBatch.ts), so a SIGKILL loses only what Aedes had not yet handed over; Aedes
 * sends the PUBACK just before it publishes, so that window is about one turn (the publish
 * journal closes it). A power cut takes at most `syncIntervalMs` of commits.
 */

import { Readable } from 'node:stream';
import type { AedesPacket, AedesSubscription, BrokerRef, ClientRef } from 'aedes-persistence/asyncPersistence.js';
import type Database from 'better-sqlite3';
import { LeanMemoryPersistence } from './memoryPersistence.ts';
import { SqliteBatch } from './sqliteBatch.ts';

export interface SqlitePersistenceOptions {
  readonly file: string;
  /** Longest a committed change waits for its fsync (the power-loss window); 0 syncs every commit. */
  readonly syncIntervalMs: number;
  /** A failed write: the broker keeps serving from memory, but what failed is not durable. */
  readonly onError: (err: unknown) => void;
  /** Called once a published message's queue entries are committed (see persistenceJournal.ts). */
  readonly settled?: (packet: AedesPacket) => void;
  /** Queue entries per session waiting to be sent held in memory; in flight and uncommitted ones come on top. */
  readonly queueMemoryMessages: number;
}

/** Changes buffered before they are written at once, whatever the event loop does. */
const MAX_PENDING = 10_000;

/** Queue rows `outgoingStream` reads from the file at a time. */
const PAGE = 1_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outgoing (
  seq INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL, broker_id TEXT NOT NULL, broker_counter INTEGER NOT NULL,
  topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outgoing_key ON outgoing (client_id, broker_id, broker_counter);
-- An index of an earlier version: it made every queue insert and delete dearer (see queued below).
DROP INDEX IF EXISTS outgoing_queue;
CREATE TABLE IF NOT EXISTS subscriptions (
  client_id TEXT NOT NULL, topic TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (client_id, topic)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS incoming (
  client_id TEXT NOT NULL, message_id INTEGER NOT NULL, broker_id TEXT, broker_counter INTEGER,
  topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
  PRIMARY KEY (client_id, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS wills (
  client_id TEXT PRIMARY KEY, broker_id TEXT NOT NULL,
  topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface PacketRow {
  broker_id: string | null;
  broker_counter: number | null;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: number;
}

type OutgoingRow = PacketRow & { seq: number };

function packetOf(row: PacketRow): AedesPacket {
  return {
    cmd: 'publish',
    topic: row.topic,
    payload: row.payload,
    qos: row.qos as 0 | 1 | 2,
    retain: row.retain === 1,
    dup: false,
    ...(row.broker_id !== null ? { brokerId: row.broker_id } : {}),
    ...(row.broker_counter !== null ? { brokerCounter: row.broker_counter } : {}),
  };
}

const payloadOf = (packet: AedesPacket): Buffer => (typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);

function prepare(db: Database.Database) {
  return {
    enqueue: db.prepare(
      'INSERT OR IGNORE INTO outgoing (seq, client_id, broker_id, broker_counter, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // A range of seq (the rowid) filtered by client (`+` keeps SQLite off the client_id index): nearly
    // every queued row is ingest's, and an index on (client_id, seq) made every insert and delete dearer.
    queued: db.prepare(
      'SELECT seq, broker_id, broker_counter, topic, payload, qos, retain FROM outgoing WHERE +client_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    ),
    find: db.prepare(
      'SELECT seq, broker_id, broker_counter, topic, payload, qos, retain FROM outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?',
    ),
    dequeue: db.prepare('DELETE FROM outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?'),
    subscribe: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, record) VALUES (?, ?, ?)'),
    unsubscribe: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
    unsubscribeAll: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
    retain: db.prepare('INSERT OR REPLACE INTO retained (topic, payload, qos) VALUES (?, ?, ?)'),
    unretain: db.prepare('DELETE FROM retained WHERE topic = ?'),
    incoming: db.prepare(
      'INSERT OR REPLACE INTO incoming (client_id, message_id, broker_id, broker_counter, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    incomingDel: db.prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
    incomingClean: db.prepare('DELETE FROM incoming WHERE client_id = ?'),
    will: db.prepare('INSERT OR REPLACE INTO wills (client_id, broker_id, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?, ?)'),
    willDel: db.prepare('DELETE FROM wills WHERE client_id = ?'),
  };
}
type Statements = ReturnType<typeof prepare>;

export class SqlitePersistence extends LeanMemoryPersistence {
  readonly #db: Database.Database;
  readonly #options: SqlitePersistenceOptions;
  readonly #batch: SqliteBatch;
  readonly #stmt: Statements;
  /** The next queue entry's seq: rows are written in batches, so it is assigned here. */
  #nextSeq: number;
  /** Per client: committed queue entries held in the file only. */
  readonly #fileOnly = new Map<string, number>();

  constructor(options: SqlitePersistenceOptions) {
    super();
    this.#options = options;
    this.#batch = new SqliteBatch({ ...options, schema: SCHEMA, maxPending: MAX_PENDING });
    this.#db = this.#batch.db;
    this.#stmt = prepare(this.#db);
    this.#nextSeq = ((this.#db.prepare('SELECT max(seq) AS seq FROM outgoing').get() as { seq: number | null }).seq ?? 0) + 1;
  }

  /** Loads what the previous run left, before Aedes takes its first client. */
  override async setup(broker: BrokerRef): Promise<void> {
    await super.setup(broker);
    const db = this.#db;
    for (const row of db.prepare('SELECT topic, payload, qos FROM retained').all() as PacketRow[])
      await super.storeRetained({ ...packetOf({ ...row, broker_id: null, broker_counter: null, retain: 1 }) });
    const subs = new Map<string, AedesSubscription[]>();
    for (const row of db.prepare('SELECT client_id, topic, record FROM subscriptions').all() as Array<{
      client_id: string;
      topic: string;
      record: string;
    }>) {
      const list = subs.get(row.client_id) ?? [];
      list.push({ ...(JSON.parse(row.record) as Omit<AedesSubscription, 'topic'>), topic: row.topic });
      subs.set(row.client_id, list);
    }
    for (const [id, list] of subs) await super.addSubscriptions({ id }, list);
    const queues = db.prepare('SELECT client_id, count(*) AS n FROM outgoing GROUP BY client_id').all() as Array<{
      client_id: string;
      n: number;
    }>;
    for (const { client_id: id, n } of queues) {
      const head = this.#stmt.queued.all(id, 0, this.#nextSeq, this.#options.queueMemoryMessages) as OutgoingRow[];
      for (const row of head) this.outgoingInsert(id, packetOf(row), row.seq);
      this.#countFileOnly(id, n - head.length);
    }
    for (const row of db.prepare('SELECT * FROM incoming').all() as Array<PacketRow & { client_id: string; message_id: number }>)
      await super.incomingStorePacket({ id: row.client_id }, { ...packetOf(row), messageId: row.message_id });
    for (const row of db.prepare('SELECT * FROM wills').all() as Array<PacketRow & { client_id: string; broker_id: string }>) {
      const will = packetOf(row);
      await super.putWill({ id: row.client_id }, will);
      // putWill claims the will for this broker; it belongs to the run that died, so Aedes publishes it.
      will.brokerId = row.broker_id;
    }
  }

  /** Queued messages, subscriptions and retained messages on disk, for tests and diagnostics. */
  counts(): { outgoing: number; subscriptions: number; retained: number } {
    this.#batch.flush();
    const count = (table: string) => (this.#db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { outgoing: count('outgoing'), subscriptions: count('subscriptions'), retained: count('retained') };
  }

  override async storeRetained(packet: AedesPacket): Promise<void> {
    await super.storeRetained(packet);
    const payload = payloadOf(packet);
    if (payload.length === 0) this.#batch.write(() => this.#stmt.unretain.run(packet.topic));
    else this.#batch.write(() => this.#stmt.retain.run(packet.topic, payload, packet.qos));
  }

  override async addSubscriptions(client: ClientRef, subs: AedesSubscription[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    const id = client.id;
    const rows = subs.map(({ topic, ...record }) => [topic, JSON.stringify(record)] as const);
    this.#batch.write(() => {
      for (const [topic, record] of rows) this.#stmt.subscribe.run(id, topic, record);
    });
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    const id = client.id;
    const list = [...topics];
    this.#batch.write(() => {
      for (const topic of list) this.#stmt.unsubscribe.run(id, topic);
    });
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    await super.cleanSubscriptions(client);
    const id = client.id;
    this.#batch.write(() => this.#stmt.unsubscribeAll.run(id));
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: AedesPacket): Promise<void> {
    this.#enqueue(sub.clientId, packet);
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: AedesPacket): Promise<void> {
    for (const sub of subs) this.#enqueue(sub.clientId, packet);
    const settled = this.#options.settled;
    // A no-op write: the callback follows the commit of this turn's entries, even with none to write.
    // Not settled when the commit failed: the journal then keeps the message for the next start.
    if (settled)
      this.#batch.write(
        () => {},
        (err) => err === undefined && settled(packet),
      );
  }

  // outgoingUpdate only assigns a message id: not recorded, since after a restart every queued
  // message goes to a new connection and gets a new id. An entry given one stays in memory until
  // it is cleared: the file does not know the id.
  override async outgoingUpdate(client: ClientRef, packet: AedesPacket): Promise<void> {
    const { id } = client;
    if (packet.brokerId !== undefined && this.#fileOnly.has(id) && this.outgoingSeqOf(id, packet) === undefined) {
      // A live delivery whose entry left memory at its commit. Committing first keeps a row
      // already cleared from memory from coming back.
      this.#batch.flush();
      const row = this.#stmt.find.get(id, packet.brokerId, packet.brokerCounter ?? 0) as OutgoingRow | undefined;
      if (row) this.#bringBack(id, row);
    }
    await super.outgoingUpdate(client, packet);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<AedesPacket | undefined> {
    const removed = await super.outgoingClearMessageId(client, packet);
    if (removed?.brokerId !== undefined && removed.brokerCounter !== undefined) {
      const { id } = client;
      const { brokerId, brokerCounter } = removed;
      this.#batch.write(() => this.#stmt.dequeue.run(id, brokerId, brokerCounter));
    }
    return removed;
  }

  /**
   * As the in-memory persistence, a snapshot of the queue (entries enqueued later are not in it),
   * but only the entries in memory are taken now: the file's are read a page at a time as Aedes
   * sends them, with backpressure.
   */
  override outgoingStream(client: ClientRef): Readable {
    const inMemory = [...(this.outgoingEntries(client.id) ?? [])].sort(([a], [b]) => a - b);
    if (!this.#fileOnly.has(client.id)) return Readable.from(inMemory.map(([, entry]) => entry));
    return Readable.from(this.#merged(client.id, inMemory, this.#nextSeq - 1));
  }

  /** Queue entries of a client in memory and in the file only, for tests and diagnostics. */
  outgoingCounts(clientId: string): { inMemory: number; fileOnly: number } {
    return { inMemory: this.outgoingCount(clientId), fileOnly: this.#fileOnly.get(clientId) ?? 0 };
  }

  override async incomingStorePacket(client: ClientRef, packet: AedesPacket): Promise<void> {
    await super.incomingStorePacket(client, packet);
    const { id } = client;
    const row = [
      id,
      packet.messageId,
      packet.brokerId ?? null,
      packet.brokerCounter ?? null,
      packet.topic,
      payloadOf(packet),
      packet.qos,
      packet.retain ? 1 : 0,
    ];
    this.#batch.write(() => this.#stmt.incoming.run(...row));
  }

  override async incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void> {
    await super.incomingDelPacket(client, packet);
    const { id } = client;
    const messageId = packet.messageId;
    this.#batch.write(() => this.#stmt.incomingDel.run(id, messageId));
  }

  override async cleanIncoming(client: ClientRef): Promise<void> {
    await super.cleanIncoming(client);
    const { id } = client;
    this.#batch.write(() => this.#stmt.incomingClean.run(id));
  }

  override async putWill(client: ClientRef, packet: AedesPacket): Promise<void> {
    await super.putWill(client, packet);
    const { id } = client;
    const row = [id, packet.brokerId ?? '', packet.topic, payloadOf(packet), packet.qos, packet.retain ? 1 : 0];
    this.#batch.write(() => this.#stmt.will.run(...row));
  }

  override async delWill(client: ClientRef): Promise<AedesPacket | undefined> {
    const will = await super.delWill(client);
    const { id } = client;
    if (will) this.#batch.write(() => this.#stmt.willDel.run(id));
    return will;
  }

  /** Resolves once everything committed so far is fsynced. */
  sync(): Promise<void> {
    return this.#batch.sync();
  }

  /** Writes and syncs what is pending, then closes the file. */
  close(): Promise<void> {
    return this.#batch.close();
  }

  override async destroy(): Promise<void> {
    await this.close();
    await super.destroy();
  }

  #enqueue(clientId: string, packet: AedesPacket): void {
    const seq = this.#nextSeq++;
    // Entries in flight do not count: a connected subscriber's live deliveries get their message id
    // a moment after they are queued, and counting them would send every delivery to a subscriber
    // `queueMemoryMessages` acknowledgements behind (ingest under overload) through the file.
    const spill = this.outgoingWaiting(clientId) >= this.#options.queueMemoryMessages;
    const entry = this.outgoingInsert(clientId, packet, seq);
    const row = [
      seq,
      clientId,
      packet.brokerId ?? '',
      packet.brokerCounter ?? 0,
      packet.topic,
      payloadOf(packet),
      packet.qos,
      packet.retain ? 1 : 0,
    ];
    if (!spill) {
      this.#batch.write(() => this.#stmt.enqueue.run(...row));
      return;
    }
    // Ignored when the row's key is taken (the same message queued twice): that entry stays in memory.
    let inserted = false;
    this.#batch.write(
      () => {
        inserted = this.#stmt.enqueue.run(...row).changes === 1;
      },
      (err) => err === undefined && inserted && this.#release(clientId, seq, entry),
    );
  }

  /** Drops a committed entry from memory, unless it is in flight (it has a message id) or was replaced. */
  #release(clientId: string, seq: number, entry: AedesPacket): void {
    if (entry.messageId !== undefined || this.outgoingEntries(clientId)?.get(seq) !== entry) return;
    this.outgoingEvict(clientId, seq);
    this.#countFileOnly(clientId, 1);
  }

  /** The entry of a committed row, brought back into memory unless it is there. */
  #bringBack(clientId: string, row: OutgoingRow): { entry: AedesPacket; broughtBack: boolean } {
    const entry = this.outgoingEntries(clientId)?.get(row.seq);
    if (entry) return { entry, broughtBack: false };
    this.#countFileOnly(clientId, -1);
    return { entry: this.outgoingInsert(clientId, packetOf(row), row.seq), broughtBack: true };
  }

  #countFileOnly(clientId: string, delta: number): void {
    const n = (this.#fileOnly.get(clientId) ?? 0) + delta;
    if (n > 0) this.#fileOnly.set(clientId, n);
    else this.#fileOnly.delete(clientId);
  }

  /**
   * The snapshot's entries and the file's up to `last`, in seq order. Each page's rows come into
   * memory as it is read, just after a commit, so a row cleared from memory since cannot come back;
   * those still without a message id when the next page is read (Aedes did not send them: a clean
   * session, a closed connection) leave memory again.
   */
  *#merged(clientId: string, inMemory: ReadonlyArray<[number, AedesPacket]>, last: number): Generator<AedesPacket> {
    const snapshot = inMemory[Symbol.iterator]();
    let held = snapshot.next();
    let after = 0;
    let page: Array<{ seq: number; entry: AedesPacket; broughtBack: boolean }> = [];
    const releasePage = () => {
      for (const { seq, entry, broughtBack } of page) if (broughtBack) this.#release(clientId, seq, entry);
    };
    try {
      for (;;) {
        releasePage();
        this.#batch.flush();
        const rows = this.#stmt.queued.all(clientId, after, last, PAGE) as OutgoingRow[];
        page = rows.map((row) => ({ seq: row.seq, ...this.#bringBack(clientId, row) }));
        for (const { seq, entry } of page) {
          for (; !held.done && held.value[0] < seq; held = snapshot.next()) yield held.value[1];
          if (!held.done && held.value[0] === seq) {
            yield held.value[1];
            held = snapshot.next();
          } else yield entry;
        }
        const lastRow = rows[PAGE - 1];
        if (!lastRow) break;
        after = lastRow.seq;
      }
      for (; !held.done; held = snapshot.next()) yield held.value[1];
    } finally {
      releasePage();
    }
  }
}
