/**
 * Stock firmware through the broker's adapters: Tasmota (MQTT.js playing the board) and ESPHome
 * (Debian's mosquitto_pub playing the node) end up as canonical metrics in the store, their
 * availability in the API, and a Tasmota relay answers a protocol v1 command.
 */
import { buildTopic } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceStack, type Issued, startDeviceStack } from '../helpers/deviceStack.ts';
import { authArgs, mosquitto } from '../helpers/mosquitto.ts';
import type { Client, Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('firmware adapters', () => {
  let t: DeviceStack;
  let stack: Stack;
  let manager: Client;
  let port: number;
  let clients: MqttClient[];

  beforeAll(async () => {
    t = await startDeviceStack();
    ({ stack, manager, port, clients } = t);
  });

  afterAll(() => t?.stop());

  const provision = (body: Record<string, unknown>): Promise<Issued> => t.provision({ greenhouseId: 'gh-1', ...body });

  /** The device's stored values at `ts` (or anywhere in [from, to)), by metric. */
  async function stored(device: string, metrics: string[], from: number, to: number): Promise<Record<string, number>> {
    const series = await stack.data.store.range({ greenhouse: 'gh-1', metrics, from, to, stepMs: 1_000, byDevice: true });
    const out: Record<string, number> = {};
    for (const s of series) {
      const point = s.points[0];
      if (s.device === device && point) out[s.metric] = point[1] as number;
    }
    return out;
  }

  const online = async (id: string) => ((await (await manager.fetch(`/api/devices/${id}`)).json()) as { online: boolean }).online;

  it('translates Tasmota SENSOR, LWT and POWER/RESULT', async () => {
    const issued = await provision({ name: 'Tasmota ESP32', kind: 'tasmota', topic: 'gh1-tasmota' });
    const board = await connectMqttReady(stack.mqttUrl, {
      ...issued.mqtt,
      will: { topic: 'tele/gh1-tasmota/LWT', payload: Buffer.from('Offline'), qos: 1, retain: true },
    });
    clients.push(board);
    const [grant] = await board.subscribeAsync('cmnd/gh1-tasmota/#', { qos: 0 });
    expect(grant?.qos).toBe(0);

    // The board's clock: local time of the cooperative (UTC+7), no offset, whole seconds.
    const ts = Math.floor((Date.now() - 30_000) / 1_000) * 1_000;
    const local = new Date(ts + 7 * 3_600_000).toISOString().slice(0, 19);
    const sensor = JSON.stringify({
      Time: local,
      BME280: { Temperature: 28.4, Humidity: 71.2, DewPoint: 22.6, Pressure: 1008.2 },
      'DS18B20-1': { Id: '01144A0CB2AA', Temperature: 24.1 },
      'DS18B20-2': { Id: '0114514C7CAA', Temperature: 23.5 },
      BH1750: { Illuminance: 35_000 },
      ANALOG: { Moisture: 41 },
      PressureUnit: 'hPa',
      TempUnit: 'C',
    });
    const metrics = ['air_temp_c', 'rh_pct', 'soil_temp_c', 'soil_temp_c.2', 'illuminance_lux', 'soil_moisture_pct', 'air_vpd_kpa'];
    // QoS 0 like stock Tasmota; said again until ingest knows the new device (the same reading is stored once).
    const values = await waitFor(async () => {
      await board.publishAsync('tele/gh1-tasmota/LWT', 'Online', { qos: 0, retain: true });
      await board.publishAsync('tele/gh1-tasmota/SENSOR', sensor, { qos: 0 });
      const got = await stored(issued.id, metrics, ts, ts + 1);
      return Object.keys(got).length === metrics.length && (await online(issued.id)) ? got : undefined;
    });
    expect(values).toMatchObject({
      air_temp_c: 28.4,
      rh_pct: 71.2,
      soil_temp_c: 24.1,
      'soil_temp_c.2': 23.5,
      illuminance_lux: 35_000,
      soil_moisture_pct: 41,
    });

    // A board whose clock is years off: arrival time, counted as clock skew.
    const skewBefore = stack.broker.stats().adapter.clockSkew;
    const from = Date.now() - 1_000;
    await board.publishAsync('tele/gh1-tasmota/SENSOR', '{"Time":"2019-01-01T00:00:00","BH1750":{"Illuminance":1234}}', { qos: 0 });
    await waitFor(async () =>
      (await stored(issued.id, ['illuminance_lux'], from, Date.now() + 1_000)).illuminance_lux === 1234 ? true : undefined,
    );
    expect(stack.broker.stats().adapter.clockSkew).toBe(skewBefore + 1);

    // A protocol v1 command goes out as POWER1 ON; the RESULT comes back as the ack.
    const service = await connectMqttReady(stack.mqttUrl, { clientId: 'rules-engine', ...stack.service });
    clients.push(service);
    const ack = new Promise<unknown>((resolve) => service.on('message', (_t, payload) => resolve(JSON.parse(payload.toString()))));
    await service.subscribeAsync(buildTopic('ack', { deviceId: issued.id }), { qos: 1 });
    const command = new Promise<[string, string]>((resolve) =>
      board.on('message', (topic, payload) => resolve([topic, payload.toString()])),
    );
    const now = Date.now();
    await service.publishAsync(
      buildTopic('cmd', { deviceId: issued.id }),
      JSON.stringify({ id: 'c-17', ts: now, expires_at: now + 60_000, actuator: 'valve_1', action: 'on', reason: 'test' }),
      { qos: 1 },
    );
    expect(await command).toEqual(['cmnd/gh1-tasmota/POWER1', 'ON']);
    await board.publishAsync('stat/gh1-tasmota/RESULT', '{"POWER1":"ON"}', { qos: 0 });
    expect(await ack).toEqual({ id: 'c-17', ok: true, state: 'on' });

    // Another board cannot speak as this one.
    const other = await provision({ name: 'Tasmota 2', kind: 'tasmota', topic: 'gh1-tasmota-2' });
    const intruder = await connectMqttReady(stack.mqttUrl, { ...other.mqtt, reconnectPeriod: 0 });
    const gone = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish('tele/gh1-tasmota/SENSOR', sensor, { qos: 0 });
    await gone;
    intruder.end(true);
  });

  it('translates ESPHome sensor states and status from an outside client, through the device mapping', async () => {
    const issued = await provision({
      name: 'ESPHome node',
      kind: 'esphome',
      topic: 'gh1-esp',
      mapping: { probe_moisture: 'soil_moisture_pct', temperature: 'air_temp_c' },
    });
    const args = authArgs({ port, ...issued.mqtt });
    const pub = (topic: string, message: string, extra: string[] = []) =>
      mosquitto('mosquitto_pub', [...args, ...extra, '-t', topic, '-m', message]);
    expect(await pub('gh1-esp/sensor/temperature/state', 'nan')).toMatchObject({ code: 0 });
    expect(await pub('gh1-esp/sensor/probe_moisture/state', 'None')).toMatchObject({ code: 0 });
    const from = Date.now() - 1_000;
    const values = await waitFor(
      async () => {
        await pub('gh1-esp/status', 'online', ['-r', '-q', '1']);
        await pub('gh1-esp/sensor/temperature/state', '23.5');
        await pub('gh1-esp/sensor/probe_moisture/state', '37.2');
        const got = await stored(issued.id, ['air_temp_c', 'soil_moisture_pct'], from, Date.now() + 1_000);
        return got.air_temp_c !== undefined && got.soil_moisture_pct !== undefined && (await online(issued.id)) ? got : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(values).toEqual({ air_temp_c: 23.5, soil_moisture_pct: 37.2 });
    // `nan` and `None` produced nothing: only the numbers are there.
    const all = await stack.data.store.range({
      greenhouse: 'gh-1',
      metrics: ['air_temp_c'],
      from,
      to: Date.now() + 1_000,
      stepMs: 3_600_000,
      byDevice: true,
    });
    expect(all.find((s) => s.device === issued.id)?.points[0]?.slice(1)).toEqual([23.5, 23.5, 23.5]);
  });
});
