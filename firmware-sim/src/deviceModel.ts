/**
 * The sensors of one device: what it reads from its greenhouse, with seeded noise, its own battery
 * and radio, clamped to the metric's range and rounded to the decimals worth sending.
 */
import { type DemoDevice, metricSpec } from '@canopy/core';
import type { Greenhouse, GreenhouseConditions } from './greenhouse.ts';
import { createRng, hashSeed } from './random.ts';
import type { Weather } from './weather.ts';

export interface DeviceModel {
  readonly device: DemoDevice;
  /** One reading per metric key of the device that the model knows; others are left out. */
  sample(t: number): Record<string, number>;
}

export interface DeviceModelOptions {
  readonly device: DemoDevice;
  readonly greenhouse: Greenhouse;
  readonly weather: Weather;
  readonly seed: number;
}

interface Sensors {
  noise(sigma: number): number;
  batteryV(): number;
  rssiDbm(): number;
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));

const SAMPLERS: Readonly<Record<string, (c: GreenhouseConditions, s: Sensors) => number>> = {
  air_temp_c: (c, s) => c.airTempC + s.noise(0.08),
  rh_pct: (c, s) => c.rhPct + s.noise(0.7),
  co2_ppm: (c, s) => c.co2Ppm + s.noise(4),
  // Multiplicative, so night stays exactly 0.
  ppfd_umol_m2_s: (c, s) => c.ppfd * (1 + s.noise(0.015)),
  soil_moisture_pct: (c, s) => c.soilMoisturePct + s.noise(0.25),
  soil_temp_c: (c, s) => c.soilTempC + s.noise(0.05),
  'soil_temp_c.2': (c, s) => c.soilTempDeepC + s.noise(0.05),
  ec_ms_cm: (c, s) => clamp(c.ecMsCm + s.noise(0.015), 1.5, 2.5),
  ph: (c, s) => clamp(c.ph + s.noise(0.015), 5.8, 6.5),
  // A flow meter reads exactly 0 with the valve shut.
  water_flow_l_min: (c, s) => (c.waterFlowLMin > 0 ? Math.max(0.1, c.waterFlowLMin + s.noise(0.25)) : 0),
  tank_level_pct: (c, s) => c.tankLevelPct + s.noise(0.3),
  battery_v: (_, s) => s.batteryV(),
  rssi_dbm: (_, s) => s.rssiDbm(),
};

/** Metric keys the simulator can produce. */
export const SIMULATED_METRICS: readonly string[] = Object.keys(SAMPLERS);

const HOUR_MS = 3_600_000;
const BATTERY_STEP_MS = 10 * 60_000;
const MAX_BATTERY_GAP_MS = 7 * 24 * HOUR_MS;

export function createDeviceModel(options: DeviceModelOptions): DeviceModel {
  const { device, greenhouse, weather } = options;
  const rng = createRng(hashSeed(options.seed, 'device', device.id));
  const rssiBaseDbm = rng.range(-76, -64);
  let batteryV = rng.range(3.85, 4.05);
  let batteryT: number | undefined;

  /** A Li-ion cell drawing ~0.1 V a day, topped up by a small panel in proportion to sunlight. */
  const chargeBattery = (t: number) => {
    if (batteryT !== undefined && t > batteryT && t - batteryT <= MAX_BATTERY_GAP_MS) {
      for (let from = batteryT; from < t; from += BATTERY_STEP_MS) {
        const to = Math.min(t, from + BATTERY_STEP_MS);
        const sun = weather.at((from + to) / 2).irradianceWm2;
        batteryV = clamp(batteryV + (-0.0045 + 0.000024 * sun) * ((to - from) / HOUR_MS), 3.4, 4.15);
      }
    }
    if (batteryT === undefined || t > batteryT) batteryT = t;
  };

  const sensors = (t: number): Sensors => ({
    noise: (sigma) => sigma * rng.gaussian(),
    batteryV: () => {
      chargeBattery(t);
      return batteryV + 0.004 * rng.gaussian();
    },
    rssiDbm: () => clamp(rssiBaseDbm + 2.5 * rng.gaussian(), -80, -60),
  });

  return {
    device,
    sample(t) {
      const conditions = greenhouse.conditions(t);
      const s = sensors(t);
      const m: Record<string, number> = {};
      for (const key of device.metrics) {
        const sampler = SAMPLERS[key];
        const spec = metricSpec(key);
        if (sampler === undefined || spec === undefined) continue;
        const scale = 10 ** spec.decimals;
        m[key] = Math.round(clamp(sampler(conditions, s), spec.min, spec.max) * scale) / scale;
      }
      return m;
    },
  };
}
