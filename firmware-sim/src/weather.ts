/**
 * Outside weather as a pure function of time: diurnal temperature between the day's normals,
 * humidity from a steady vapour pressure, and sunlight from the sun's elevation dimmed by the
 * month's cloudiness. Days differ by a seeded anomaly, the same for every greenhouse (they are neighbours).
 */
import { saturationVapourPressureKpa } from '@canopy/core';
import { type ClimateNormals, normalsAt } from './climateNormals.ts';
import { createRng, hashSeed, unitHash } from './random.ts';
import { clearSkyIrradianceWm2, dayLengthH, solarElevationDeg } from './solar.ts';

export interface OutsideConditions {
  readonly airTempC: number;
  readonly rhPct: number;
  readonly vapourPressureKpa: number;
  readonly solarElevationDeg: number;
  /** Global horizontal irradiance. */
  readonly irradianceWm2: number;
  readonly ppfd: number;
  /** Midpoint of the day's minimum and maximum. */
  readonly dailyMeanC: number;
}

export interface Weather {
  at(t: number): OutsideConditions;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Coldest just before sunrise, warmest early afternoon. */
const MIN_HOUR = 6;
const MAX_HOUR = 14;
/** µmol/m²/s of PAR per W/m² of sunlight (docs/agronomy-reference.md). */
const PPFD_PER_WM2 = 2.0;
const MINUTE_MS = 60_000;

/** Temperature at local hour `h`: a half-cosine rise from MIN_HOUR to MAX_HOUR, a slower fall back. */
export function diurnalTempC(h: number, minC: number, maxC: number): number {
  if (h >= MIN_HOUR && h < MAX_HOUR) return minC + ((maxC - minC) * (1 - Math.cos((Math.PI * (h - MIN_HOUR)) / (MAX_HOUR - MIN_HOUR)))) / 2;
  const fallHours = 24 - (MAX_HOUR - MIN_HOUR);
  const since = (h - MAX_HOUR + 24) % 24;
  return maxC - ((maxC - minC) * (1 - Math.cos((Math.PI * since) / fallHours))) / 2;
}

export function createWeather(normals: ClimateNormals, seed: number): Weather {
  const daySeed = hashSeed(seed, 'weather-day');
  const phases = createRng(hashSeed(seed, 'weather-clouds'));
  const cloudPhase1 = phases.range(0, 2 * Math.PI);
  const cloudPhase2 = phases.range(0, 2 * Math.PI);
  const offsetMs = normals.utcOffsetH * HOUR_MS;

  /** -1 (dull) … 1 (bright), drawn per local day and blended noon to noon so days do not jump at midnight. */
  const dayAnomaly = (t: number) => {
    const p = (t + offsetMs) / DAY_MS - 0.5;
    const i = Math.floor(p);
    const f = p - i;
    const s = f * f * (3 - 2 * f);
    return (unitHash(daySeed, i) * 2 - 1) * (1 - s) + (unitHash(daySeed, i + 1) * 2 - 1) * s;
  };

  return {
    at(t) {
      const day = normalsAt(normals, t);
      const anomaly = dayAnomaly(t);
      // Bright days run hotter and their nights a little cooler.
      const maxC = day.meanMaxC + 1.5 * anomaly;
      const minC = day.meanMinC - 0.5 * anomaly;
      const localHour = ((((t + offsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
      const airTempC = diurnalTempC(localHour, minC, maxC);
      // Vapour pressure stays near the day's mean while temperature swings, so RH runs opposite to temperature.
      const meanVapourKpa = (day.meanRhPct / 100) * saturationVapourPressureKpa((day.meanMaxC + day.meanMinC) / 2);
      const saturationKpa = saturationVapourPressureKpa(airTempC);
      // Past 99 % the excess condenses as dew or mist.
      const rhPct = Math.min(99, (100 * meanVapourKpa) / saturationKpa);

      const elevation = solarElevationDeg(t, normals.latDeg, normals.lonDeg);
      const sunshineFraction = Math.min(1, day.sunshineHPerDay / dayLengthH(t, normals.latDeg));
      // Ångström–Prescott (FAO-56 eq. 35): daily radiation relative to a clear sky's 0.75 of extraterrestrial.
      const cloudiness = (0.25 + 0.5 * sunshineFraction) / 0.75;
      const passingClouds =
        0.5 * Math.sin((2 * Math.PI * t) / (53 * MINUTE_MS) + cloudPhase1) +
        0.5 * Math.sin((2 * Math.PI * t) / (19 * MINUTE_MS) + cloudPhase2);
      const transmittance = Math.min(1, Math.max(0.1, cloudiness * (1 + 0.4 * anomaly) * (1 + 0.1 * passingClouds)));
      const irradianceWm2 = clearSkyIrradianceWm2(elevation) * transmittance;

      return {
        airTempC,
        rhPct,
        vapourPressureKpa: (rhPct / 100) * saturationKpa,
        solarElevationDeg: elevation,
        irradianceWm2,
        ppfd: PPFD_PER_WM2 * irradianceWm2,
        dailyMeanC: (minC + maxC) / 2,
      };
    },
  };
}
