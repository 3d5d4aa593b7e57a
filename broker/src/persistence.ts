/**
 * Where the broker keeps sessions, queued QoS 1 messages and retained messages:
 * - `sqlite` (the default): Aedes' in-memory persistence mirrored to SQLite in
 *   DATA_DIR/broker/broker.db and reloaded at start (see sqlitePersistence.ts), so a persistent
 *   session's queue, such as ingest's while it is down, survives a broker restart; past
 *   MQTT_QUEUE_MEMORY_MESSAGES entries, a session's queue is in the file only;
 * - `redis`: aedes-persistence-redis on REDIS_URL, for brokers that share state or keep it off the host;
 * - `memory`: nothing survives a restart (the fastest, and what a bare Mosquitto does);
 * - `level`: aedes-persistence-level on classic-level in DATA_DIR/broker. Kept for the benchmark
 *   only: its writes complete out of order, and Aedes then drops live deliveries to persistent
 *   sessions (they wait in LevelDB for the subscriber's next reconnect; see sqlitePersistence.ts).
 *
 * Aedes sends the PUBACK to a device just before it publishes the message, and so before any
 * persistence write: the figures of each kind's loss window are in the README's delivery guarantees.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@canopy/core/node';
import aedesPersistenceLevel from 'aedes-persistence-level';
import aedesPersistenceRedis, { type RedisPersistenceOptions } from 'aedes-persistence-redis';
import { ClassicLevel } from 'classic-level';
import { createMemoryPersistence } from './memoryPersistence.ts';
import { type JournalPacket, PublishJournal, type RecoveredPacket } from './persistenceJournal.ts';
import { SqlitePersistence } from './sqlitePersistence.ts';

export type PersistenceKind = 'sqlite' | 'redis' | 'memory' | 'level';
export const PERSISTENCE_KINDS: readonly PersistenceKind[] = ['sqlite', 'redis', 'memory', 'level'];

export interface PersistenceConfig {
  readonly kind: PersistenceKind;
  readonly dataDir: string;
  /** `sqlite`: longest a committed change waits for its fsync. */
  readonly syncIntervalMs: number;
  /** `sqlite`: queue entries per persistent session held in memory; the rest are in the file only. */
  readonly queueMemoryMessages: number;
  /** Journaling kinds: how often rows the persistence failed to queue are published again. */
  readonly retryMs: number;
  /** `redis`: required for it, validated by loadConfig. */
  readonly redisUrl?: string;
}

export interface BrokerPersistence {
  /** For `Aedes.createBroker({ persistence })`. */
  readonly persistence: unknown;
  /**
   * From `authorizePublish`, once a PUBLISH is accepted: `done` (and so the PUBACK) follows its
   * durable record, for the kinds that journal (see persistenceJournal.ts); at once otherwise.
   */
  hold(packet: JournalPacket, done: (err?: Error) => void): void;
  /**
   * Publishes again what a crashed run acknowledged but never queued (call before listening),
   * then, until `close`, what this run's persistence failed to queue.
   */
  recover(publish: (packet: RecoveredPacket) => Promise<void>): Promise<number>;
  close(): Promise<void>;
}

/** Rows published again per sweep: a long Redis outage is worked off over several sweeps. */
const RETRY_BATCH = 10_000;

const immediate = (_packet: JournalPacket, done: (err?: Error) => void) => done();
const nothingToRecover = async () => 0;

function journaled(
  journal: PublishJournal,
  retryMs: number,
  onError: (err: unknown) => void,
): Pick<BrokerPersistence, 'hold' | 'recover'> & { stopRetries(): void } {
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  return {
    hold: (packet, done) => journal.hold(packet, done),
    async recover(publish) {
      const leftovers = journal.leftovers();
      for (const { id, packet } of leftovers) {
        await publish(packet);
        journal.forget(id);
      }
      await journal.sync();
      journal.stale(0); // sets the first sweep's watermark
      timer = setInterval(() => {
        // One sweep at a time: a retry against a persistence that is still down waits out its own timeout.
        if (sweeping) return;
        sweeping = true;
        Promise.allSettled(journal.stale(RETRY_BATCH).map(({ packet }) => publish(packet)))
          .then((results) => {
            const failed = results.filter((r) => r.status === 'rejected');
            if (failed[0])
              onError(new Error(`${failed.length} of ${results.length} journaled messages not queued yet`, { cause: failed[0].reason }));
          })
          .finally(() => {
            sweeping = false;
          });
      }, retryMs);
      timer.unref();
      return leftovers.length;
    },
    stopRetries: () => clearInterval(timer),
  };
}

/**
 * Queued messages aedes-persistence-redis sends at a reconnect (its default is 1,000: the rest
 * would wait for the subscriber's next reconnect). Ingest's queue after an outage is far longer.
 */
const REDIS_MAX_SESSION_DELIVERY = 100_000_000;

/** ioredis options from a `redis://[user:password@]host[:port][/db]` or `rediss://` URL. */
export function redisOptions(url: string): RedisPersistenceOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname,
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // The broker must not hold PUBACKed messages in an offline queue forever: fail fast, Aedes logs it.
    maxRetriesPerRequest: 20,
    maxSessionDelivery: REDIS_MAX_SESSION_DELIVERY,
  };
}

function openJournal(config: PersistenceConfig, onError: (err: unknown) => void): PublishJournal {
  return new PublishJournal({ file: join(config.dataDir, 'broker', 'inbound.db'), syncIntervalMs: config.syncIntervalMs, onError });
}

export async function openBrokerPersistence(config: PersistenceConfig, logger?: Logger): Promise<BrokerPersistence> {
  const onError = (err: unknown) =>
    logger?.error({ err, code: 'CANOPY_BROKER_PERSISTENCE_WRITE_FAILED' }, 'broker persistence write failed');
  switch (config.kind) {
    case 'memory':
      return { persistence: createMemoryPersistence(), hold: immediate, recover: nothingToRecover, close: async () => {} };
    case 'sqlite': {
      const journal = openJournal(config, onError);
      const { stopRetries, ...journaling } = journaled(journal, config.retryMs, onError);
      const persistence = new SqlitePersistence({
        file: join(config.dataDir, 'broker', 'broker.db'),
        syncIntervalMs: config.syncIntervalMs,
        onError,
        settled: (packet) => journal.settle(packet),
        queueMemoryMessages: config.queueMemoryMessages,
      });
      return {
        persistence,
        ...journaling,
        async close() {
          stopRetries();
          await persistence.close();
          await journal.close();
        },
      };
    }
    case 'redis': {
      if (config.redisUrl === undefined) throw new Error('MQTT_PERSISTENCE=redis needs REDIS_URL');
      const journal = openJournal(config, onError);
      const { stopRetries, ...journaling } = journaled(journal, config.retryMs, onError);
      const persistence = aedesPersistenceRedis(redisOptions(config.redisUrl));
      const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
      // Redis has the queue entries once it has answered; only then may the journal row go.
      persistence.outgoingEnqueueCombi = async (subs, packet) => {
        await enqueue(subs, packet);
        journal.settle(packet);
      };
      return {
        persistence,
        ...journaling,
        async close() {
          stopRetries();
          await persistence.destroy();
          await journal.close();
        },
      };
    }
    case 'level': {
      const dir = join(config.dataDir, 'broker');
      mkdirSync(dir, { recursive: true });
      const db = new ClassicLevel<string, string>(dir);
      await db.open();
      return { persistence: aedesPersistenceLevel(db), hold: immediate, recover: nothingToRecover, close: () => db.close() };
    }
  }
}
