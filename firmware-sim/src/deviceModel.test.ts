import { demoCooperative, metricSpec } from '@canopy/core';
import { parseTelemetry } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { RED_RIVER_DELTA } from './climateNormals.ts';
import { createDeviceModel, type DeviceModel } from './deviceModel.ts';
import { createGreenhouse, type Greenhouse } from './greenhouse.ts';
import { createWeather } from './weather.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const localMidnight = (month: number, day: number) => Date.UTC(2025, month - 1, day) - 7 * HOUR;

/** The demo cooperative's devices on their greenhouses, as the simulator wires them. */
function cooperative(seed: number, deviceCount = 6): DeviceModel[] {
  const weather = createWeather(RED_RIVER_DELTA, seed);
  const greenhouses = new Map<string, Greenhouse>();
  return demoCooperative(deviceCount).devices.map((device) => {
    const greenhouse = greenhouses.get(device.greenhouseId) ?? createGreenhouse({ id: device.greenhouseId, seed, weather });
    greenhouses.set(device.greenhouseId, greenhouse);
    return createDeviceModel({ device, greenhouse, weather, seed });
  });
}

describe('device readings', () => {
  for (const month of [1, 7]) {
    it(`stay within METRICS ranges and pass ingest's checks over simulated days (month ${month})`, () => {
      const devices = cooperative(11);
      const start = localMidnight(month, 12);
      const problems: string[] = [];
      for (let t = start; t < start + 2 * 24 * HOUR; t += 5 * MINUTE) {
        for (const model of devices) {
          const m = model.sample(t);
          if (Object.keys(m).sort().join() !== [...model.device.metrics].sort().join())
            problems.push(`${model.device.id}: keys ${Object.keys(m)}`);
          for (const [key, value] of Object.entries(m)) {
            const spec = metricSpec(key);
            if (!spec || value < spec.min || value > spec.max || Number(value.toFixed(spec.decimals)) !== value)
              problems.push(`${key}=${value}`);
          }
          const { rejections } = parseTelemetry(model.device.id, JSON.stringify({ ts: t, seq: 0, m }), {
            now: t,
            maxAgeMs: HOUR,
            maxFutureMs: MINUTE,
          });
          problems.push(...rejections.map((r) => `${r.reason}: ${r.detail}`));
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('report no light at night and light at noon', () => {
    const [climate] = cooperative(2);
    const day = localMidnight(3, 20);
    for (const h of [0, 3, 5, 20, 23]) expect(climate?.sample(day + h * HOUR).ppfd_umol_m2_s).toBe(0);
    expect(climate?.sample(day + 12 * HOUR).ppfd_umol_m2_s).toBeGreaterThan(100);
  });

  it('keep battery and radio plausible: the battery drains overnight', () => {
    const [climate, substrate] = cooperative(5);
    const day = localMidnight(7, 1);
    for (let t = day; t < day + 3 * 24 * HOUR; t += 10 * MINUTE) {
      for (const model of [climate, substrate]) {
        const m = model?.sample(t) ?? expect.unreachable();
        expect(m.battery_v).toBeGreaterThanOrEqual(3.4);
        expect(m.battery_v).toBeLessThanOrEqual(4.2);
        expect(m.rssi_dbm).toBeGreaterThanOrEqual(-80);
        expect(m.rssi_dbm).toBeLessThanOrEqual(-60);
      }
    }
    const evening = climate?.sample(day + 3 * 24 * HOUR + 20 * HOUR).battery_v ?? 0;
    const dawn = climate?.sample(day + 4 * 24 * HOUR + 5 * HOUR).battery_v ?? 0;
    expect(dawn).toBeLessThan(evening - 0.02);
  });

  it('are the same for the same seed and clock, and differ for another seed', () => {
    const run = (seed: number) => {
      const devices = cooperative(seed, 18);
      const start = localMidnight(5, 2);
      const out: Record<string, number>[] = [];
      for (let t = start; t < start + 6 * HOUR; t += 7 * MINUTE) for (const d of devices) out.push(d.sample(t));
      return out;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('vary a little from reading to reading', () => {
    const [climate] = cooperative(3);
    const t = localMidnight(6, 6) + 11 * HOUR;
    const a = climate?.sample(t) ?? expect.unreachable();
    const b = climate?.sample(t + 5_000) ?? expect.unreachable();
    expect(a).not.toEqual(b);
    expect(Math.abs((a.air_temp_c ?? 0) - (b.air_temp_c ?? 0))).toBeLessThan(0.6);
  });
});
