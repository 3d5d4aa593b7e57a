/**
 * One net-house as a single state that all its devices read: the climate node's fan and the
 * irrigation controller's valve act on the same air and substrate the sensors report.
 *
 * Slow quantities (air temperature, CO₂, substrate, tank) are integrated on a fixed 30 s grid
 * aligned to the epoch, so the state at a time depends on the seed and the actuator history only,
 * not on how often or in which order devices happen to read it.
 */
import { airVpdKpa, saturationVapourPressureKpa } from '@canopy/core';
import { type ActuatorChange, type ActuatorView, createActuators } from './actuators.ts';
import { createRng, hashSeed } from './random.ts';
import type { OutsideConditions, Weather } from './weather.ts';

export const FAN = 'fan_1';
export const VALVE = 'valve_1';

export interface GreenhouseConditions {
  readonly outside: OutsideConditions;
  readonly airTempC: number;
  readonly rhPct: number;
  readonly co2Ppm: number;
  readonly ppfd: number;
  readonly soilMoisturePct: number;
  readonly soilTempC: number;
  /** The deeper probe: slower and damped. */
  readonly soilTempDeepC: number;
  readonly ecMsCm: number;
  readonly ph: number;
  readonly waterFlowLMin: number;
  readonly tankLevelPct: number;
}

export interface GreenhouseOptions {
  readonly id: string;
  readonly seed: number;
  readonly weather: Weather;
  /** Open the valve when the substrate dries below ~25 %, so the demo irrigates without a rules engine. */
  readonly autoIrrigate?: boolean;
}

export interface Greenhouse {
  conditions(t: number): GreenhouseConditions;
  actuator(name: string, t: number): ActuatorView;
  command(name: string, change: ActuatorChange, t: number): ActuatorView;
}

const STEP_MS = 30_000;
const STEP_MIN = STEP_MS / 60_000;
const DAY_MS = 86_400_000;
/** After a longer gap (a laptop asleep for a week) start afresh instead of replaying it. */
const MAX_CATCH_UP_MS = 7 * DAY_MS;
const AUTO_RUN_S = 12 * 60;
/** Auto irrigation waits this long after any valve change, so a manual "off" sticks for a while. */
const AUTO_HOLD_OFF_MS = 30 * 60_000;
/** Irradiance under the net at which the crop's effects (heating, transpiration) saturate. */
const FULL_SUN_WM2 = 600;
const AMBIENT_CO2_PPM = 420;

interface State {
  t: number;
  airTempC: number;
  co2Ppm: number;
  soilMoisturePct: number;
  soilTempC: number;
  soilTempDeepC: number;
  tankLevelPct: number;
  refilling: boolean;
  lastValveChange: number;
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
/** First-order lag: how far a value moves toward its target in one step with time constant `tauMin`. */
const lag = (value: number, target: number, tauMin: number) => value + (target - value) * (1 - Math.exp(-STEP_MIN / tauMin));
const wave = (t: number, periodDays: number, phase: number) => Math.sin((2 * Math.PI * t) / (periodDays * DAY_MS) + phase);

export function createGreenhouse(options: GreenhouseOptions): Greenhouse {
  const { weather } = options;
  const autoIrrigate = options.autoIrrigate ?? true;
  // Each house differs a little: siting, net, crop stage and plumbing.
  const rng = createRng(hashSeed(options.seed, 'greenhouse', options.id));
  const p = {
    tempOffsetC: rng.range(-0.3, 0.5),
    solarGainC: rng.range(2.5, 4),
    transmission: rng.range(0.66, 0.74),
    transpirationKpa: rng.range(0.15, 0.3),
    co2BasePpm: rng.range(432, 442),
    etScale: rng.range(0.85, 1.15),
    flowLMin: rng.range(20, 34),
    tankVolumeL: rng.range(1_800, 3_000),
    autoThresholdPct: rng.range(24, 26),
    ecBase: rng.range(1.8, 2.1),
    phBase: rng.range(6.0, 6.25),
    driftPhases: [rng.range(0, 6.28), rng.range(0, 6.28), rng.range(0, 6.28), rng.range(0, 6.28)] as const,
    moisturePct: rng.range(29, 36),
    tankPct: rng.range(70, 92),
  };
  const actuators = createActuators();
  let state: State | undefined;

  const inside = (out: OutsideConditions) => out.irradianceWm2 * p.transmission;
  const airTarget = (out: OutsideConditions, fanOn: boolean) =>
    out.airTempC + p.tempOffsetC + (p.solarGainC * inside(out) * (fanOn ? 0.35 : 1)) / FULL_SUN_WM2;
  const rhAt = (airTempC: number, out: OutsideConditions, fanOn: boolean) => {
    // The crop adds vapour by day; the fan trades it for outside air.
    const vapour = out.vapourPressureKpa + 0.05 + p.transpirationKpa * Math.min(1, inside(out) / FULL_SUN_WM2) * (fanOn ? 0.5 : 1);
    return clamp((100 * vapour) / saturationVapourPressureKpa(airTempC), 25, 99);
  };
  const co2Target = (out: OutsideConditions, fanOn: boolean) => {
    // Respiration builds CO₂ up under the still night air; photosynthesis draws it down a little by day.
    const daylight = clamp(out.solarElevationDeg / 10, 0, 1);
    const target = p.co2BasePpm + 75 * (1 - daylight) - 10 * Math.min(1, (out.ppfd * p.transmission) / 800);
    return fanOn ? AMBIENT_CO2_PPM + (target - AMBIENT_CO2_PPM) * 0.4 : target;
  };
  const flowAt = (s: State, t: number) =>
    actuators.isOn(VALVE, t) && s.tankLevelPct > 0 ? p.flowLMin * (0.85 + 0.15 * Math.min(1, s.tankLevelPct / 30)) : 0;

  const initial = (t: number): State => {
    const out = weather.at(t);
    return {
      t,
      airTempC: airTarget(out, false),
      co2Ppm: co2Target(out, false),
      soilMoisturePct: p.moisturePct,
      soilTempC: out.dailyMeanC,
      soilTempDeepC: out.dailyMeanC,
      tankLevelPct: p.tankPct,
      refilling: false,
      lastValveChange: Number.NEGATIVE_INFINITY,
    };
  };

  const step = (s: State) => {
    const t = s.t;
    const out = weather.at(t);
    const fanOn = actuators.isOn(FAN, t);
    s.airTempC = lag(s.airTempC, airTarget(out, fanOn), fanOn ? 4 : 12);
    s.co2Ppm = lag(s.co2Ppm, co2Target(out, fanOn), fanOn ? 10 : 45);

    const vpd = airVpdKpa(s.airTempC, rhAt(s.airTempC, out, fanOn));
    // Evapotranspiration grows with light and VPD and slows as the substrate dries.
    const etPctPerH = (p.etScale * (1.1 * (inside(out) / 500) + 0.45 * vpd) + 0.04) * clamp(s.soilMoisturePct / 22, 0, 1);
    const flow = flowAt(s, t);
    const irrigationPctPerMin = (flow / p.flowLMin) * 1.6 * Math.max(0, 1 - s.soilMoisturePct / 55);
    const drainagePctPerMin = Math.max(0, s.soilMoisturePct - 40) * 0.1;
    s.soilMoisturePct = clamp(s.soilMoisturePct + (irrigationPctPerMin - drainagePctPerMin - etPctPerH / 60) * STEP_MIN, 0, 60);

    // The shaded substrate runs a little below the air and lags it by hours; the deeper probe lags more.
    s.soilTempC = lag(s.soilTempC, s.airTempC - 0.8, 180);
    s.soilTempDeepC = lag(s.soilTempDeepC, s.soilTempC, 360);

    // A float switch refills the tank slowly from the well once it falls below 60 %.
    if (s.tankLevelPct < 60) s.refilling = true;
    if (s.tankLevelPct >= 95) s.refilling = false;
    const tankChange = (-flow / p.tankVolumeL) * 100 + (s.refilling ? 0.1 : 0);
    s.tankLevelPct = clamp(s.tankLevelPct + tankChange * STEP_MIN, 0, 100);

    s.t = t + STEP_MS;
    if (
      autoIrrigate &&
      s.soilMoisturePct < p.autoThresholdPct &&
      !actuators.isOn(VALVE, s.t) &&
      s.t - s.lastValveChange >= AUTO_HOLD_OFF_MS
    ) {
      actuators.apply(VALVE, { action: 'on', durationS: AUTO_RUN_S }, s.t);
      s.lastValveChange = s.t;
    }
  };

  const advance = (t: number): State => {
    const grid = Math.floor(t / STEP_MS) * STEP_MS;
    if (state === undefined || grid - state.t > MAX_CATCH_UP_MS) state = initial(grid);
    while (state.t + STEP_MS <= t) step(state);
    return state;
  };

  return {
    conditions(t) {
      const s = advance(t);
      const out = weather.at(t);
      const fanOn = actuators.isOn(FAN, t);
      return {
        outside: out,
        airTempC: s.airTempC,
        rhPct: rhAt(s.airTempC, out, fanOn),
        co2Ppm: s.co2Ppm,
        ppfd: out.ppfd * p.transmission,
        soilMoisturePct: s.soilMoisturePct,
        soilTempC: s.soilTempC,
        soilTempDeepC: s.soilTempDeepC,
        // Slow drifts of the nutrient solution; salts concentrate as the substrate dries.
        ecMsCm: clamp(
          p.ecBase + 0.12 * wave(t, 1.9, p.driftPhases[0]) + 0.06 * wave(t, 4.7, p.driftPhases[1]) + 0.012 * (32 - s.soilMoisturePct),
          1.55,
          2.45,
        ),
        ph: clamp(p.phBase + 0.1 * wave(t, 2.3, p.driftPhases[2]) + 0.05 * wave(t, 5.9, p.driftPhases[3]), 5.85, 6.45),
        waterFlowLMin: flowAt(s, t),
        tankLevelPct: s.tankLevelPct,
      };
    },
    actuator: (name, t) => actuators.view(name, t),
    command(name, change, t) {
      // Integrate up to now first, so the change applies from now and not from the last step.
      const s = advance(t);
      if (name === VALVE && change.action !== 'set') s.lastValveChange = t;
      return actuators.apply(name, change, t);
    },
  };
}
