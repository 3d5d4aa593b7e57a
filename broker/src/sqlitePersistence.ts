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
 * Durability: the changes of one event-loop turn are written in one transaction on the next
 * turn (sqliteBatch.ts), so a SIGKILL loses only what Aedes had not yet handed over; Aedes
 * sends the PUBACK just before it publishes, so that window is about one turn (the publish
 * journal closes it). A power cut takes at most `syncIntervalMs` of commits.
 */
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
}

/** Changes buffered before they are written at once, whatever the event loop does. */
const MAX_PENDING = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outgoing (
  seq INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL, broker_id TEXT NOT NULL, broker_counter INTEGER NOT NULL,
  topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outgoing_key ON outgoing (client_id, broker_id, broker_counter);
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
      'INSERT OR IGNORE INTO outgoing (client_id, broker_id, broker_counter, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?, ?, ?)',
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

  constructor(options: SqlitePersistenceOptions) {
    super();
    this.#options = options;
    this.#batch = new SqliteBatch({ ...options, schema: SCHEMA, maxPending: MAX_PENDING });
    this.#db = this.#batch.db;
    this.#stmt = prepare(this.#db);
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
    for (const row of db
      .prepare('SELECT client_id, broker_id, broker_counter, topic, payload, qos, retain FROM outgoing ORDER BY seq')
      .iterate() as Iterable<PacketRow & { client_id: string }>)
      await super.outgoingEnqueue({ clientId: row.client_id }, packetOf(row));
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
    await super.outgoingEnqueue(sub, packet);
    this.#recordEnqueue(sub.clientId, packet);
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: AedesPacket): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    for (const sub of subs) this.#recordEnqueue(sub.clientId, packet);
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
  // message goes to a new connection and gets a new id.

  override async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<AedesPacket | undefined> {
    const removed = await super.outgoingClearMessageId(client, packet);
    if (removed?.brokerId !== undefined && removed.brokerCounter !== undefined) {
      const { id } = client;
      const { brokerId, brokerCounter } = removed;
      this.#batch.write(() => this.#stmt.dequeue.run(id, brokerId, brokerCounter));
    }
    return removed;
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

  #recordEnqueue(clientId: string, packet: AedesPacket): void {
    const row = [
      clientId,
      packet.brokerId ?? '',
      packet.brokerCounter ?? 0,
      packet.topic,
      payloadOf(packet),
      packet.qos,
      packet.retain ? 1 : 0,
    ];
    this.#batch.write(() => this.#stmt.enqueue.run(...row));
  }
}
