/**
 * The whole pipeline over both stores: MQTT.js publishes, ingest validates and writes, the API
 * answers over REST and streams over Socket.IO.
 */
import { buildTopic, type LiveMessage, liveReadings } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Client, login, type Stack, type StoreKind, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

const STORES: StoreKind[] = ['sqlite', 'influx'];

describe.each(STORES)('pipeline with the %s store', (store) => {
  let stack: Stack;
  let device: MqttClient;
  let client: Client;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ store, influxUrl: inject('influxUrl') });
    client = await login(stack.httpUrl, 'manager');
    // Service credentials: this client also publishes for unregistered and malformed device ids.
    device = await connectMqttReady(stack.mqttUrl, { clientId: 'gh1-climate', ...stack.service });
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await device?.endAsync();
    await stack?.stop();
  });

  async function joinedSocket(greenhouseId: string): Promise<Socket> {
    const socket = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnection: false, extraHeaders: { ...client.headers } });
    sockets.push(socket);
    const answer = await socket.timeout(5_000).emitWithAck('join', { greenhouseId });
    expect(answer).toEqual({ ok: true });
    return socket;
  }

  const publish = (deviceId: string, body: unknown) =>
    device.publishAsync(buildTopic('telemetry', { deviceId }), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });

  const history = async (query: string) => {
    const res = await client.fetch(`/api/greenhouses/gh-1/history?${query}`);
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { series: Array<{ metric: string; points: number[][] }> },
    };
  };

  it('stores a published reading and serves it over REST and Socket.IO', async () => {
    const inRoom = await joinedSocket('gh-1');
    const otherRoom = await joinedSocket('gh-2');
    const seenElsewhere: LiveMessage[] = [];
    otherRoom.on('readings', (m: LiveMessage) => seenElsewhere.push(m));
    const live = new Promise<LiveMessage>((resolve) => inRoom.on('readings', (m: LiveMessage) => resolve(m)));

    const ts = Date.now() - 5_000;
    await publish('gh1-climate', { ts, seq: 1, m: { air_temp_c: 27.5, rh_pct: 65 } });

    const message = await live;
    expect(message.greenhouse).toBe('gh-1');
    expect(liveReadings(message)).toEqual(
      expect.arrayContaining([
        { device: 'gh1-climate', metric: 'air_temp_c', ts, value: 27.5 },
        expect.objectContaining({ metric: 'air_vpd_kpa', ts }),
      ]),
    );

    const { body } = await waitFor(
      async () => {
        const h = await history(`metrics=air_temp_c,air_vpd_kpa&from=${ts - 60_000}&to=${ts + 60_000}`);
        return h.body.series.length === 2 ? h : undefined;
      },
      { what: 'reading in the store' },
    );
    const temp = body.series.find((s) => s.metric === 'air_temp_c');
    expect(temp?.points).toHaveLength(1);
    expect(temp?.points[0]?.slice(1)).toEqual([27.5, 27.5, 27.5]);
    expect(body.series.find((s) => s.metric === 'air_vpd_kpa')?.points[0]?.[1]).toBeCloseTo(1.3, 1);
    expect(seenElsewhere).toEqual([]);

    const overview = (await (await client.fetch(`/api/greenhouses`)).json()) as {
      greenhouses: Array<{ id: string; latest: Record<string, { value: number }> }>;
    };
    expect(overview.greenhouses.find((g) => g.id === 'gh-1')?.latest.air_temp_c?.value).toBe(27.5);
  });

  it('starts a reconnected socket afresh: nothing replayed, rooms joined again', async () => {
    const socket = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnectionDelay: 50, extraHeaders: { ...client.headers } });
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    expect(await socket.timeout(5_000).emitWithAck('join', { greenhouseId: 'gh-1' })).toEqual({ ok: true });
    // A dropped transport, which connection-state recovery would restore with the events missed meanwhile.
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.engine.close();
    await reconnected;
    // The API keeps no replay buffer: the dashboard joins again on every connect and reloads what it shows.
    expect(socket.recovered).not.toBe(true);
    const live = new Promise<LiveMessage>((resolve) => socket.on('readings', (m: LiveMessage) => resolve(m)));
    expect(await socket.timeout(5_000).emitWithAck('join', { greenhouseId: 'gh-1' })).toEqual({ ok: true });
    const ts = Date.now() - 4_000;
    await publish('gh1-climate', { ts, m: { air_temp_c: 26.5 } });
    expect((await live).samples).toEqual(expect.arrayContaining([{ device: 'gh1-climate', ts, m: { air_temp_c: 26.5 } }]));
  });

  it('drops bad input by reason, keeps the good readings, and keeps running', async () => {
    const before = stack.ingest.stats();
    const ts = Date.now() - 3_000;
    await publish('gh1-climate', '{"m": {');
    await publish('gh1-climate', { m: [1, 2] });
    await publish('gh1-climate', { ts, m: { co2_ppm: 'NaN', rh_pct: 140, 'x<script>': 1, soil_moisture_pct: 31.5 } });
    await publish('not-registered', { m: { air_temp_c: 20 } });
    await device.publishAsync('canopy/v1/devices/bad.id/telemetry', '{"m":{}}', { qos: 1 });

    const reasons = ['bad_json', 'bad_envelope', 'bad_value', 'out_of_range', 'bad_metric_name', 'unknown_device', 'bad_topic'] as const;
    // Counted once every message is fully handled: received is counted first, rejections after validation.
    const after = await waitFor(
      () => {
        const s = stack.ingest.stats();
        return reasons.every((r) => s.rejected[r] > before.rejected[r]) ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'every rejection counted' },
    );
    const delta = (reason: keyof typeof after.rejected) => after.rejected[reason] - before.rejected[reason];
    expect(delta('bad_json')).toBe(1);
    expect(delta('bad_envelope')).toBe(1);
    expect(delta('bad_value')).toBe(1);
    expect(delta('out_of_range')).toBe(1);
    expect(delta('bad_metric_name')).toBe(1);
    expect(delta('unknown_device')).toBe(1);
    expect(delta('bad_topic')).toBe(1);

    const { body } = await waitFor(async () => {
      const h = await history(`metric=soil_moisture_pct&from=${ts}&to=${ts + 1}`);
      return h.body.series.length === 1 ? h : undefined;
    });
    expect(body.series[0]?.points[0]?.[1]).toBe(31.5);
    const health = await fetch(`${stack.httpUrl}/api/health`);
    expect(health.status).toBe(200);
  });

  it('answers bad history queries with coded 4xx errors', async () => {
    const cases: Array<[string, number, string]> = [
      ['metrics=air_temp_c&from=yesterday', 400, 'CANOPY_BAD_TIME'],
      ['metrics=air_temp_c&from=2000&to=1000', 400, 'CANOPY_BAD_RANGE'],
      ['metrics=air_temp_c%27%20OR%201%3D1', 400, 'CANOPY_UNKNOWN_METRIC'],
      ['from=0', 400, 'CANOPY_NO_METRICS'],
      ['metrics=air_temp_c&by=farm', 400, 'FST_ERR_VALIDATION'],
    ];
    for (const [query, status, code] of cases) {
      const res = await history(query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status, code });
    }
    const missing = await client.fetch(`/api/greenhouses/gh-404/history?metrics=air_temp_c`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('CANOPY_NOT_FOUND');
  });

  it('refuses to join a room that does not exist', async () => {
    const socket = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnection: false, extraHeaders: { ...client.headers } });
    sockets.push(socket);
    expect(await socket.timeout(5_000).emitWithAck('join', { greenhouseId: 'gh-404' })).toEqual({ ok: false, error: 'CANOPY_NOT_FOUND' });
    expect(await socket.timeout(5_000).emitWithAck('join', { greenhouseId: '../gh-1' })).toEqual({ ok: false, error: 'CANOPY_NOT_FOUND' });
  });

  it('reports device availability from the retained status topic', async () => {
    await device.publishAsync(buildTopic('status', { deviceId: 'gh1-climate' }), JSON.stringify({ state: 'online' }), {
      qos: 1,
      retain: true,
    });
    const online = await waitFor(async () => {
      const res = (await (await client.fetch(`/api/greenhouses/gh-1`)).json()) as {
        devices: Array<{ id: string; online: boolean }>;
      };
      return res.devices.find((d) => d.id === 'gh1-climate' && d.online);
    });
    expect(online.online).toBe(true);
  });
});

describe('shutdown', () => {
  it('flushes pending writes on stop', async () => {
    // A flush interval far beyond the test: only the stop path can write these readings.
    const stack = await startStack({ store: 'sqlite', env: { INGEST_FLUSH_MS: '60000' } });
    const device = await connectMqttReady(stack.mqttUrl, stack.device('gh1-substrate'));
    const ts = Date.now() - 1_000;
    await device.publishAsync(buildTopic('telemetry', { deviceId: 'gh1-substrate' }), JSON.stringify({ ts, m: { ph: 6.1 } }), { qos: 1 });
    await waitFor(() => (stack.ingest.stats().readingsAccepted > 0 ? true : undefined));
    expect(stack.ingest.stats().readingsWritten).toBe(0);
    await device.endAsync();
    await stack.api.stop();
    await stack.ingest.stop();
    const [series] = await stack.data.store.range({
      greenhouse: 'gh-1',
      metrics: ['ph'],
      from: ts,
      to: ts + 1,
      stepMs: 1_000,
      byDevice: false,
    });
    expect(series?.points[0]?.[1]).toBe(6.1);
    await stack.data.stop();
    await stack.broker.stop();
  });
});
