import { mkdtempSync, rmSync } from 'node:fs';
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

function persistence(file: string, settled?: (p: AedesPacket) => void): SqlitePersistence {
  const p = new SqlitePersistence({
    file,
    syncIntervalMs: 10,
    onError: (err) => expect.fail(String(err)),
    ...(settled ? { settled } : {}),
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
    const p = persistence(file, (q) => settled.push(q.brokerCounter ?? -1));
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
