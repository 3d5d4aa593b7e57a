import { describe, expect, it } from 'vitest';
import { LeanMemoryPersistence } from './memoryPersistence.ts';

const client = { id: 'ingest' };
const publish = (counter: number) => ({
  cmd: 'publish',
  topic: `canopy/v1/devices/d${counter}/telemetry`,
  payload: Buffer.from(String(counter)),
  qos: 1 as const,
  retain: false,
  dup: false,
  brokerId: 'b1',
  brokerCounter: counter,
});

async function drain(p: LeanMemoryPersistence): Promise<Array<{ brokerCounter?: number; messageId?: number }>> {
  const out: Array<{ brokerCounter?: number; messageId?: number }> = [];
  for await (const packet of p.outgoingStream(client)) out.push(packet);
  return out;
}

describe('LeanMemoryPersistence (outgoing queues)', () => {
  it('keeps queue order through updates and acknowledgements, as aedes-persistence does', async () => {
    const p = new LeanMemoryPersistence();
    for (let i = 1; i <= 5; i++) await p.outgoingEnqueueCombi([{ clientId: client.id }], publish(i));
    // Delivered with message ids 101..105, then 102 and 104 acknowledged.
    for (let i = 1; i <= 5; i++) await p.outgoingUpdate(client, { ...publish(i), messageId: 100 + i });
    expect((await p.outgoingClearMessageId(client, { messageId: 102 }))?.brokerCounter).toBe(2);
    expect((await p.outgoingClearMessageId(client, { messageId: 104 }))?.brokerCounter).toBe(4);
    expect(await p.outgoingClearMessageId(client, { messageId: 104 })).toBeUndefined();
    expect((await drain(p)).map((q) => [q.brokerCounter, q.messageId])).toEqual([
      [1, 101],
      [3, 103],
      [5, 105],
    ]);
    // A reconnect re-sends with new ids: the same entries take them.
    await p.outgoingUpdate(client, { ...publish(3), messageId: 7 });
    expect(await p.outgoingClearMessageId(client, { messageId: 103 })).toBeUndefined();
    expect((await p.outgoingClearMessageId(client, { messageId: 7 }))?.brokerCounter).toBe(3);
    await expect(p.outgoingUpdate(client, { ...publish(99), messageId: 1 })).rejects.toThrow('no such packet');
    expect(p.outgoingCount(client.id)).toBe(2);
  });

  it('clears the oldest of entries sharing a message id (more than 65,535 in flight)', async () => {
    const p = new LeanMemoryPersistence();
    for (const i of [1, 2]) {
      await p.outgoingEnqueue({ clientId: client.id }, publish(i));
      await p.outgoingUpdate(client, { ...publish(i), messageId: 9 });
    }
    expect((await p.outgoingClearMessageId(client, { messageId: 9 }))?.brokerCounter).toBe(1);
    expect((await p.outgoingClearMessageId(client, { messageId: 9 }))?.brokerCounter).toBe(2);
  });

  it('costs the same per message whatever the backlog (the array scan was O(backlog))', async () => {
    const p = new LeanMemoryPersistence();
    const n = 100_000;
    const started = performance.now();
    for (let i = 1; i <= n; i++) await p.outgoingEnqueueCombi([{ clientId: client.id }], publish(i));
    for (let i = 1; i <= n; i++) await p.outgoingUpdate(client, { ...publish(i), messageId: (i % 65_535) + 1 });
    for (let i = 1; i <= n; i++) await p.outgoingClearMessageId(client, { messageId: (i % 65_535) + 1 });
    expect(p.outgoingCount(client.id)).toBe(0);
    // ~1 s here; the array version's cost is quadratic (7.8 s for 40k, so about 50 s for 100k).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('answers which sessions a topic goes to as the subscriptions change, though it remembers the answer', async () => {
    const p = new LeanMemoryPersistence();
    const topic = 'canopy/v1/devices/d1/telemetry';
    const ids = async () => (await p.subscriptionsByTopic(topic)).map((s) => s.clientId).sort();
    const sub = (t: string) => ({ topic: t, qos: 1 as const, rh: 0, rap: false, nl: false });
    expect(await ids()).toEqual([]);
    await p.addSubscriptions({ id: 'ingest' }, [sub('canopy/v1/devices/+/telemetry')]);
    expect(await ids()).toEqual(['ingest']);
    expect(await p.subscriptionsByTopic(topic)).toBe(await p.subscriptionsByTopic(topic));
    await p.addSubscriptions({ id: 'audit' }, [sub('canopy/#')]);
    expect(await ids()).toEqual(['audit', 'ingest']);
    await p.removeSubscriptions({ id: 'audit' }, ['canopy/#']);
    expect(await ids()).toEqual(['ingest']);
    // A lookup racing a change is not remembered past it.
    const racing = p.subscriptionsByTopic(topic);
    const cleaning = p.cleanSubscriptions({ id: 'ingest' });
    await racing;
    await cleaning;
    expect(await ids()).toEqual([]);
  });
});
