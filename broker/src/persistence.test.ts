import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { redisOptions } from './persistence.ts';
import { PublishJournal } from './persistenceJournal.ts';

describe('broker persistence configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'canopy-broker-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (extra: Record<string, string>) => ({
    DATA_DIR: dataDir,
    MQTT_SERVICE_USERNAME: 'svc',
    MQTT_SERVICE_PASSWORD: 'service-password-for-tests',
    ...extra,
  });

  it('is durable by default: SQLite in DATA_DIR, fsynced every 50 ms, 10,000 queued messages per session in memory', () => {
    expect(loadConfig(env({})).persistence).toEqual({
      kind: 'sqlite',
      dataDir,
      syncIntervalMs: 50,
      queueMemoryMessages: 10_000,
      retryMs: 30_000,
    });
  });

  it('takes the queue entries held in memory per session', () => {
    expect(loadConfig(env({ MQTT_QUEUE_MEMORY_MESSAGES: '500' })).persistence.queueMemoryMessages).toBe(500);
    expect(() => loadConfig(env({ MQTT_QUEUE_MEMORY_MESSAGES: '0' }))).toThrow(/MQTT_QUEUE_MEMORY_MESSAGES/);
    expect(() => loadConfig(env({ MQTT_QUEUE_MEMORY_MESSAGES: 'lots' }))).toThrow(/MQTT_QUEUE_MEMORY_MESSAGES/);
  });

  it('takes memory, level and a sync interval', () => {
    expect(loadConfig(env({ MQTT_PERSISTENCE: 'memory' })).persistence.kind).toBe('memory');
    expect(loadConfig(env({ MQTT_PERSISTENCE: 'level' })).persistence.kind).toBe('level');
    expect(loadConfig(env({ MQTT_PERSISTENCE_SYNC_MS: '0' })).persistence.syncIntervalMs).toBe(0);
    expect(() => loadConfig(env({ MQTT_PERSISTENCE: 'disk' }))).toThrow(/MQTT_PERSISTENCE/);
    expect(() => loadConfig(env({ MQTT_PERSISTENCE_SYNC_MS: '-1' }))).toThrow(/MQTT_PERSISTENCE_SYNC_MS/);
  });

  it('needs a valid REDIS_URL for redis', () => {
    expect(() => loadConfig(env({ MQTT_PERSISTENCE: 'redis' }))).toThrow(/REDIS_URL/);
    expect(() => loadConfig(env({ MQTT_PERSISTENCE: 'redis', REDIS_URL: 'http://127.0.0.1:6379' }))).toThrow(/REDIS_URL/);
    expect(() => loadConfig(env({ MQTT_PERSISTENCE: 'redis', REDIS_URL: 'not a url' }))).toThrow(/REDIS_URL/);
    expect(() => loadConfig(env({ MQTT_PERSISTENCE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379/x' }))).toThrow(/REDIS_URL/);
    expect(loadConfig(env({ MQTT_PERSISTENCE: 'redis', REDIS_URL: 'redis://127.0.0.1:6390/2' })).persistence).toMatchObject({
      kind: 'redis',
      redisUrl: 'redis://127.0.0.1:6390/2',
    });
    // A REDIS_URL without MQTT_PERSISTENCE=redis is ignored, not an error.
    expect(loadConfig(env({ REDIS_URL: 'nonsense' })).persistence.kind).toBe('sqlite');
  });

  it('turns REDIS_URL into ioredis options', () => {
    expect(redisOptions('rediss://user:p%40ss@cache.local:6380/3')).toMatchObject({
      host: 'cache.local',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(redisOptions('redis://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(redisOptions('redis://127.0.0.1').maxSessionDelivery).toBeGreaterThan(1_000_000);
  });
});

describe('publish journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands back for a retry what stayed unsettled since the previous sweep, and settles the retry', async () => {
    const journal = new PublishJournal({ file: join(dir, 'inbound.db'), syncIntervalMs: 0, onError: (err) => expect.fail(String(err)) });
    const held = (topic: string) => {
      const packet = { topic, payload: Buffer.from(topic), qos: 1, retain: false };
      return new Promise<typeof packet>((resolve, reject) => journal.hold(packet, (err) => (err ? reject(err) : resolve(packet))));
    };
    const queued = await held('a');
    await held('b');
    expect(journal.stale(10)).toEqual([]); // both younger than the first sweep
    journal.settle(queued);
    const late = await held('c');
    const retry = journal.stale(10);
    expect(retry.map((r) => r.packet.topic)).toEqual(['b']);
    // The persistence queues the retried packet (its payload buffer): the row goes.
    journal.settle({ payload: retry[0]?.packet.payload ?? Buffer.alloc(0) });
    journal.settle(late);
    expect(journal.stale(10)).toEqual([]);
    expect(journal.leftovers()).toEqual([]);
    await journal.close();
  });
});
