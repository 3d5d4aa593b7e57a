import assert from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AedesPacket } from 'aedes-persistence/asyncPersistence.js';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PublishJournal } from './persistenceJournal.ts';
import { SqlitePersistence } from './sqlitePersistence.ts';

const dirs: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-persistence-'));
  dirs.push(dir);
  return join(dir, name);
}

function persistence(
  file: string,
  options: { settled?: (p: AedesPacket) => void; queueMemoryMessages?: number } = {},
  Persistence = SqlitePersistence,
): SqlitePersistence {
  const p = new Persistence({
    file,
    syncIntervalMs: 10,
    onError: (err) => expect.fail(String(err)),
    queueMemoryMessages: 10_000,
    ...options,
  });
  open.push(p);
  return p;
}

const packet = (brokerCounter: number, topic = 'canopy/v1/devices/d1/telemetry'): AedesPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(JSON.stringify({ n: brokerCounter })),
  qos: 1,
  retain: false,
  dup: false,
  brokerId: 'run-1',
  brokerCounter,
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function all<T>(stream: Readable): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item as T);
  return out;
}

describe('SqlitePersistence', () => {
  it('answers in call order, as the in-memory persistence does (level does not, and Aedes then drops deliveries)', async () => {
    const p = persistence(tempFile('broker.db'));
    await p.setup({ id: 'run-1' });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => p.outgoingEnqueueCombi([{ clientId: 'ingest' }], packet(i + 1)).then(() => order.push(i + 1))),
    );
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('brings back sessions, queues, retained messages and wills after a crash (no close)', async () => {
    const file = tempFile('broker.db');
    const before = persistence(file);
    await before.setup({ id: 'run-1' });
    await before.addSubscriptions({ id: 'ingest' }, [{ topic: 'canopy/v1/devices/+/telemetry', qos: 1 }]);
    await before.storeRetained({ ...packet(0, 'canopy/v1/devices/d1/status'), retain: true, payload: Buffer.from('{"state":"online"}') });
    for (const n of [1, 2, 3]) await before.outgoingEnqueueCombi([{ clientId: 'ingest' }], packet(n));
    // Message 1 is delivered and acknowledged by ingest: it must not come back.
    await before.outgoingUpdate({ id: 'ingest' }, { ...packet(1), messageId: 7 });
    expect((await before.outgoingClearMessageId({ id: 'ingest' }, { messageId: 7 }))?.brokerCounter).toBe(1);
    await before.putWill({ id: 'd1' }, { ...packet(0, 'canopy/v1/devices/d1/status'), payload: Buffer.from('{"state":"offline"}') });
    await turn();
    expect(before.counts()).toEqual({ outgoing: 2, subscriptions: 1, retained: 1 });

    // A second process opens the same file while the first is "dead" (never closed).
    const after = persistence(file);
    await after.setup({ id: 'run-2' });
    expect((await after.subscriptionsByTopic('canopy/v1/devices/d7/telemetry')).map((s) => s.clientId)).toEqual(['ingest']);
    const queued = await all<AedesPacket>(after.outgoingStream({ id: 'ingest' }));
    expect(queued.map((q) => [q.brokerId, q.brokerCounter, q.payload.toString()])).toEqual([
      ['run-1', 2, '{"n":2}'],
      ['run-1', 3, '{"n":3}'],
    ]);
    const retained = await all<AedesPacket>(after.createRetainedStream('canopy/v1/devices/+/status'));
    expect(retained.map((r) => r.payload.toString())).toEqual(['{"state":"online"}']);
    // The will belongs to the dead run, so Aedes publishes it (it skips wills of live brokers).
    const wills = await all<AedesPacket>(after.streamWill({ 'run-2': Date.now() }));
    expect(wills.map((w) => [w.clientId, w.brokerId])).toEqual([['d1', 'run-1']]);
  });

  it('calls `settled` only once the queue entry is committed', async () => {
    const file = tempFile('broker.db');
    const settled: number[] = [];
    const p = persistence(file, { settled: (q) => settled.push(q.brokerCounter ?? -1) });
    await p.setup({ id: 'run-1' });
    await p.outgoingEnqueueCombi([{ clientId: 'ingest' }], packet(1));
    await p.outgoingEnqueueCombi([], packet(2));
    expect(settled).toEqual([]);
    await turn();
    expect(settled).toEqual([1, 2]);
    const reader = new Database(file, { readonly: true });
    expect((reader.prepare('SELECT count(*) AS n FROM outgoing').get() as { n: number }).n).toBe(1);
    reader.close();
  });
});

/**
 * Aedes' delivery of a queue, as `emptyQueue` (aedes/lib/handlers/connect.js) and a subscriber's
 * PUBACKs: each streamed entry gets a message id, and is acknowledged `lag` entries later.
 */
async function deliver(p: SqlitePersistence, options: { stopAfter?: number; onSent?: (n: number) => Promise<void> } = {}) {
  const client = { id: 'ingest' };
  const acked: number[] = [];
  const inFlight: number[] = [];
  const lag = 50;
  let nextId = 0;
  let sent = 0;
  for await (const queued of p.outgoingStream(client)) {
    nextId = (nextId % 65_535) + 1;
    await p.outgoingUpdate(client, { ...(queued as AedesPacket), messageId: nextId });
    inFlight.push(nextId);
    if (inFlight.length > lag) acked.push((await p.outgoingClearMessageId(client, { messageId: inFlight.shift() }))?.brokerCounter ?? -1);
    sent += 1;
    await options.onSent?.(sent);
    if (sent === options.stopAfter) return { acked, inFlight };
  }
  for (const messageId of inFlight.splice(0)) acked.push((await p.outgoingClearMessageId(client, { messageId }))?.brokerCounter ?? -1);
  return { acked, inFlight };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SqlitePersistence with a queue longer than it holds in memory', () => {
  it("keeps a connected subscriber's deliveries in memory however many wait for their acknowledgement", async () => {
    const p = persistence(tempFile('broker.db'), { queueMemoryMessages: 100 });
    await p.setup({ id: 'run-1' });
    for (let i = 1; i <= 500; i++) {
      const message = packet(i);
      await p.outgoingEnqueueCombi([{ clientId: 'ingest' }], message);
      // In the broker the commit comes before the live delivery gives the entry its message id.
      await turn();
      expect(p.outgoingCounts('ingest').fileOnly).toBe(0);
      await p.outgoingUpdate({ id: 'ingest' }, { ...message, messageId: i });
    }
    expect(p.outgoingCounts('ingest')).toEqual({ inMemory: 500, fileOnly: 0 });
  });

  it('keeps at most the cap in memory and delivers all of a 50,000-message queue once, in order, across a restart', async () => {
    const file = tempFile('broker.db');
    const cap = 1_000;
    const n = 50_000;
    const before = persistence(file, { queueMemoryMessages: cap });
    await before.setup({ id: 'run-1' });
    for (let i = 1; i <= n; i++) {
      await before.outgoingEnqueueCombi([{ clientId: 'ingest' }], packet(i));
      // Uncommitted entries stay in memory: a commit comes at the latest every 10,000 writes.
      expect(before.outgoingCounts('ingest').inMemory).toBeLessThanOrEqual(cap + 10_000);
    }
    await turn();
    expect(before.outgoingCounts('ingest')).toEqual({ inMemory: cap, fileOnly: n - cap });

    // Ingest connects and takes 20,000, while devices keep publishing: each new message is delivered
    // live, not in the stream, which is a snapshot.
    let live = n;
    const liveAcked: number[] = [];
    const first = await deliver(before, {
      stopAfter: 20_000,
      onSent: async (sent) => {
        // The page being sent, the in-flight window and the live message come on top of the cap.
        expect(before.outgoingCounts('ingest').inMemory).toBeLessThanOrEqual(cap + 1_000 + 51 + 1);
        if (sent % 1_000 !== 0) return;
        live += 1;
        const message = packet(live);
        await before.outgoingEnqueueCombi([{ clientId: 'ingest' }], message);
        await turn();
        await before.outgoingUpdate({ id: 'ingest' }, { ...message, messageId: 65_535 });
        liveAcked.push((await before.outgoingClearMessageId({ id: 'ingest' }, { messageId: 65_535 }))?.brokerCounter ?? -1);
      },
    });
    expect(first.acked).toEqual(range(1, 20_000 - first.inFlight.length));
    expect(liveAcked).toEqual(range(n + 1, n + 20));
    await before.close();

    // After a restart, what was not acknowledged comes again, in order, the in-flight ones first.
    const after = persistence(file, { queueMemoryMessages: cap });
    await after.setup({ id: 'run-2' });
    const left = n - first.acked.length;
    expect(after.outgoingCounts('ingest')).toEqual({ inMemory: cap, fileOnly: left - cap });
    const second = await deliver(after);
    expect(second.acked).toEqual(range(first.acked.length + 1, n));
    expect(after.outgoingCounts('ingest')).toEqual({ inMemory: 0, fileOnly: 0 });
    expect(after.counts().outgoing).toBe(0);
  });
});

type TestContext = { plan(n: number): void; diagnostic(message: string): void; assert: Partial<typeof assert> };
const abstractPersistence = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (options: {
  test: (name: string, fn: (t: TestContext) => Promise<void>) => void;
  persistence: () => unknown;
  testAsync: boolean;
}) => void;

/** Commits after each queue change: entries past the cap leave memory before the suite's next call. */
class CommittingPersistence extends SqlitePersistence {
  override async outgoingEnqueue(...args: Parameters<SqlitePersistence['outgoingEnqueue']>): Promise<void> {
    await super.outgoingEnqueue(...args);
    await turn();
  }
  override async outgoingEnqueueCombi(...args: Parameters<SqlitePersistence['outgoingEnqueueCombi']>): Promise<void> {
    await super.outgoingEnqueueCombi(...args);
    await turn();
  }
  override async outgoingUpdate(...args: Parameters<SqlitePersistence['outgoingUpdate']>): Promise<void> {
    await super.outgoingUpdate(...args);
    await turn();
  }
  override async outgoingClearMessageId(...args: Parameters<SqlitePersistence['outgoingClearMessageId']>) {
    const removed = await super.outgoingClearMessageId(...args);
    await turn();
    return removed;
  }
}

/** aedes-persistence's own suite (written for node:test), with its planned assertion counts checked. */
function abstractSuite(queueMemoryMessages: number, Persistence = SqlitePersistence): void {
  abstractPersistence({
    testAsync: true,
    persistence: () => persistence(tempFile('broker.db'), { queueMemoryMessages }, Persistence),
    test: (name, fn) =>
      it(name, async () => {
        let planned: number | undefined;
        let made = 0;
        const counted =
          <A extends unknown[]>(check: (...args: A) => void) =>
          (...args: A) => {
            made += 1;
            check(...args);
          };
        await fn({
          plan: (count) => {
            planned = count;
          },
          diagnostic: () => {},
          assert: {
            equal: counted(assert.equal),
            deepEqual: counted(assert.deepEqual),
            notEqual: counted(assert.notEqual),
            ok: counted(assert.ok),
          },
        });
        if (planned !== undefined) expect(made).toBe(planned);
      }),
  });
}

describe('aedes-persistence abstract suite: SqlitePersistence', () => abstractSuite(10_000));
// Its queues are at most 2 long (twice a stream's highWaterMark of 1): with 1 in memory, the second
// leaves memory at its commit and is brought back by outgoingUpdate.
describe('aedes-persistence abstract suite: SqlitePersistence holding 1 queue entry per session in memory, committing after each change', () =>
  abstractSuite(1, CommittingPersistence));

describe('PublishJournal', () => {
  it('lets the PUBACK go only after the commit, and gives back what was never settled', async () => {
    const file = tempFile('inbound.db');
    const journal = new PublishJournal({ file, syncIntervalMs: 10, onError: (err) => expect.fail(String(err)) });
    open.push(journal);
    const a = { topic: 't/a', payload: Buffer.from('a'), qos: 1, retain: false };
    const b = { topic: 't/b', payload: Buffer.from('b'), qos: 1, retain: true };
    const acked: string[] = [];
    journal.hold(a, (err) => acked.push(err ? 'error' : 'a'));
    journal.hold(b, (err) => acked.push(err ? 'error' : 'b'));
    journal.hold({ ...a, qos: 0 }, () => acked.push('qos0'));
    expect(acked).toEqual(['qos0']);
    await turn();
    expect(acked).toEqual(['qos0', 'a', 'b']);
    journal.settle({ payload: a.payload });
    await journal.sync();

    // Another process after a crash: b was acknowledged but never queued.
    const again = new PublishJournal({ file, syncIntervalMs: 10, onError: (err) => expect.fail(String(err)) });
    open.push(again);
    const left = again.leftovers();
    expect(left.map((l) => [l.packet.topic, l.packet.payload.toString(), l.packet.retain])).toEqual([['t/b', 'b', true]]);
    for (const l of left) again.forget(l.id);
    await again.sync();
    expect(again.leftovers()).toEqual([]);
  });
});
