/**
 * Where the broker keeps sessions, queued QoS 1 messages and retained messages. `level`
 * (the default) is LevelDB (classic-level) in DATA_DIR/broker, so a persistent session's queue,
 * such as ingest's while it is down, survives a broker restart; `memory` keeps nothing across
 * restarts (the fastest, and what a bare Mosquitto does).
 *
 * Aedes acknowledges a PUBLISH before its persistence write completes, and LevelDB does not
 * fsync: a SIGKILL loses only what was not yet handed to the OS, a power cut what the OS had not
 * yet written back (see the README's delivery guarantees). A periodic synced write would bound
 * the latter, but made the fault test lose queued messages across a broker restart (not
 * understood yet), so it is left out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { ClassicLevel } from 'classic-level';

export type PersistenceKind = 'memory' | 'level';
export const PERSISTENCE_KINDS: readonly PersistenceKind[] = ['level', 'memory'];

export interface BrokerPersistence {
  /** For `Aedes.createBroker({ persistence })`; undefined means Aedes' in-memory default. */
  readonly persistence: unknown;
  close(): Promise<void>;
}

export async function openBrokerPersistence(kind: PersistenceKind, dataDir: string): Promise<BrokerPersistence> {
  if (kind === 'memory') return { persistence: undefined, close: async () => {} };
  const dir = join(dataDir, 'broker');
  mkdirSync(dir, { recursive: true });
  const db = new ClassicLevel<string, string>(dir);
  await db.open();
  return { persistence: aedesPersistenceLevel(db), close: () => db.close() };
}
