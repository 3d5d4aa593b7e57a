/**
 * Device provisioning over the API, credentials taking effect at the broker at once (rotation,
 * revocation with the live connection closed), availability (online, stale, offline) and
 * store-and-forward batches.
 */
import { buildTopic } from '@canopy/core';
import { connectMqttReady, type MqttCredentials } from '@canopy/core/node';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceStack, type Issued, postJson, startDeviceStack } from '../helpers/deviceStack.ts';
import { authArgs, mosquitto } from '../helpers/mosquitto.ts';
import { type Client, login, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('devices', () => {
  let t: DeviceStack;
  let stack: Stack;
  let manager: Client;
  let port: number;

  beforeAll(async () => {
    t = await startDeviceStack();
    ({ stack, manager, port } = t);
  });

  afterAll(() => t?.stop());

  const provision = (body: Record<string, unknown>): Promise<Issued> => t.provision(body);

  async function connect(mqtt: MqttCredentials): Promise<MqttClient> {
    const client = await connectMqttReady(stack.mqttUrl, { ...mqtt, reconnectPeriod: 0 });
    t.clients.push(client);
    return client;
  }

  const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

  async function deviceState(id: string) {
    const res = await manager.fetch(`/api/devices/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { state: string; online: boolean; lastSeen: number | null };
  }

  it('provisions a device for a coop manager and its credentials work at once', async () => {
    const issued = await provision({ greenhouseId: 'gh-1', name: 'Cảm biến mới', kind: 'canopy' });
    expect(issued.mqtt).toEqual({ username: issued.id, clientId: issued.id, password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    // Only the hash is stored.
    const row = await stack.data.meta.selectFrom('devices').select('secret_hash').where('id', '=', issued.id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secret_hash).not.toContain(issued.mqtt.password);
    // The registry chooses ids: a client cannot take over a known id such as a demo device's.
    const res = await postJson(manager, '/api/devices', { id: 'gh1-climate', greenhouseId: 'gh-1', name: 'x', kind: 'canopy' });
    expect(res.status === 400 || ((await res.json()) as Issued).id !== 'gh1-climate').toBe(true);

    const device = await connect(issued.mqtt);
    const ts = Date.now() - 2_000;
    // Republished until stored (same reading, stored once): ingest learns of a new device when its directory next refreshes.
    await waitFor(async () => {
      await device.publishAsync(buildTopic('telemetry', { deviceId: issued.id }), JSON.stringify({ ts, m: { air_temp_c: 31.5 } }), {
        qos: 1,
      });
      const [series] = await stack.data.store.range({
        greenhouse: 'gh-1',
        metrics: ['air_temp_c'],
        from: ts,
        to: ts + 1,
        stepMs: 1_000,
        byDevice: true,
      });
      return series?.device === issued.id ? series : undefined;
    });
  });

  it('lets only those who manage the greenhouse provision, and checks the input', async () => {
    const farmer = await login(stack.httpUrl, 'farmer1');
    const officer = await login(stack.httpUrl, 'officer');
    const body = { greenhouseId: 'gh-1', name: 'x', kind: 'canopy' };
    expect((await postJson(farmer, '/api/devices', body)).status).toBe(403);
    expect((await postJson(officer, '/api/devices', body)).status).toBe(403);
    expect((await postJson(manager, '/api/devices', { ...body, greenhouseId: 'gh-404' })).status).toBe(404);
    const noTopic = await postJson(manager, '/api/devices', { ...body, kind: 'tasmota' });
    expect(noTopic.status).toBe(400);
    expect(((await noTopic.json()) as { code: string }).code).toBe('CANOPY_BAD_DEVICE');
    await provision({ ...body, kind: 'esphome', topic: 'node-dup' });
    const dup = await postJson(manager, '/api/devices', { ...body, kind: 'tasmota', topic: 'node-dup' });
    expect(dup.status).toBe(409);
    const badMapping = await postJson(manager, '/api/devices', {
      ...body,
      kind: 'esphome',
      topic: 'node-x',
      mapping: { t: 'air_vpd_kpa' },
    });
    expect(badMapping.status).toBe(400);
    expect((await fetch(`${stack.httpUrl}/api/devices`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(401);
  });

  it('rotates a secret: the live connection closes, the old secret is refused, the new one works', async () => {
    const issued = await provision({ greenhouseId: 'gh-2', name: 'rotating', kind: 'canopy' });
    const device = await connect(issued.mqtt);
    const gone = closed(device);
    const res = await postJson(manager, `/api/devices/${issued.id}/credentials`);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Issued;
    expect(rotated.mqtt.password).not.toBe(issued.mqtt.password);
    await gone;
    await expect(connectMqttReady(stack.mqttUrl, { ...issued.mqtt, reconnectPeriod: 0 })).rejects.toMatchObject({ code: 4 });
    await connect(rotated.mqtt);
  });

  it('revokes a secret: the live connection closes and every client is refused after', async () => {
    const issued = await provision({ greenhouseId: 'gh-2', name: 'revoked', kind: 'canopy' });
    const device = await connect(issued.mqtt);
    const gone = closed(device);
    const res = await manager.fetch(`/api/devices/${issued.id}/credentials`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await gone;
    expect(stack.broker.stats().revoked).toBeGreaterThanOrEqual(1);
    await expect(connectMqttReady(stack.mqttUrl, { ...issued.mqtt, reconnectPeriod: 0 })).rejects.toMatchObject({ code: 4 });
    const run = await mosquitto('mosquitto_pub', [
      ...authArgs({ port, ...issued.mqtt }),
      '-t',
      buildTopic('telemetry', { deviceId: issued.id }),
      '-m',
      '{}',
    ]);
    expect(run.code).not.toBe(0);
    expect((await deviceState(issued.id)) as unknown).toMatchObject({ online: false, state: 'offline' });
  });

  it('shows a device online, stale after 3 silent intervals, and offline after its last will', async () => {
    const issued = await provision({ greenhouseId: 'gh-2', name: 'quiet', kind: 'canopy', intervalS: 1 });
    const status = buildTopic('status', { deviceId: issued.id });
    const device = await connectMqttReady(stack.mqttUrl, {
      ...issued.mqtt,
      reconnectPeriod: 0,
      will: { topic: status, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    await device.publishAsync(status, '{"state":"online"}', { qos: 1, retain: true });
    // Ingest and the API learn of a new device when their directories next refresh: until then, say it again.
    const online = await waitFor(async () => {
      const s = await deviceState(issued.id);
      if (s.state === 'online' && s.lastSeen !== null) return s;
      await device.publishAsync(status, '{"state":"online"}', { qos: 1, retain: true });
      await device.publishAsync(buildTopic('telemetry', { deviceId: issued.id }), '{"m":{"air_temp_c":25}}', { qos: 1 });
      return undefined;
    });
    expect(online.online).toBe(true);
    // Connected, but silent for more than 3 × 1 s.
    await waitFor(async () => ((await deviceState(issued.id)).state === 'stale' ? true : undefined), { timeoutMs: 20_000 });
    // A dropped connection (no DISCONNECT) makes the broker publish the will.
    device.stream.destroy();
    device.end(true);
    const offline = await waitFor(async () => {
      const s = await deviceState(issued.id);
      return s.state === 'offline' ? s : undefined;
    });
    expect(offline.online).toBe(false);
  });

  it('stores a store-and-forward batch once when it is sent twice, and rejects readings outside the window', async () => {
    // A seeded device: ingest's directory knows it from the start.
    const issued = { id: 'gh2-irrigation', mqtt: stack.device('gh2-irrigation') };
    const device = await connect(issued.mqtt);
    const now = Date.now();
    const day = 86_400_000;
    const batch = {
      batch: [
        { ts: now - 6 * day, m: { soil_moisture_pct: 30 } },
        { ts: now - 2 * day, m: { soil_moisture_pct: 31 } },
        { ts: now - 60_000, m: { soil_moisture_pct: 32 } },
        { ts: now - 8 * day, m: { soil_moisture_pct: 33 } },
        { ts: now + 3_600_000, m: { soil_moisture_pct: 34 } },
      ],
    };
    const before = stack.ingest.stats();
    const topic = buildTopic('telemetry', { deviceId: issued.id });
    await device.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
    const after = await waitFor(() => {
      const s = stack.ingest.stats();
      return s.rejected.ts_in_future - before.rejected.ts_in_future >= 2 ? s : undefined;
    });
    expect(after.rejected.ts_too_old - before.rejected.ts_too_old).toBe(2);
    expect(after.rejected.ts_in_future - before.rejected.ts_in_future).toBe(2);

    // Counted in the embedded store's own table: three rows, not six.
    const db = new Database(`${stack.dataDir}/timeseries.db`, { readonly: true });
    try {
      const count = () => (db.prepare('SELECT count(*) AS n FROM readings WHERE device = ?').get(issued.id) as { n: number }).n;
      await waitFor(() => (count() >= 3 ? true : undefined));
      await stack.ingest.stats();
      expect(count()).toBe(3);
      const values = db.prepare('SELECT ts, value FROM readings WHERE device = ? ORDER BY ts').all(issued.id);
      expect(values).toEqual([
        { ts: now - 6 * day, value: 30 },
        { ts: now - 2 * day, value: 31 },
        { ts: now - 60_000, value: 32 },
      ]);
    } finally {
      db.close();
    }
  });
});
