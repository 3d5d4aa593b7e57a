/**
 * Derived agronomy metrics. Formulas and test values: docs/agronomy-reference.md
 * (Tetens / FAO-56 for vapour pressure, Magnus with a = 17.62, b = 243.5 for dew point).
 */

/** Saturation vapour pressure in kPa at temperature `tC` (FAO-56 eq. 11). */
export function saturationVapourPressureKpa(tC: number): number {
  return 0.6108 * Math.exp((17.27 * tC) / (tC + 237.3));
}

/** Air vapour-pressure deficit in kPa. */
export function airVpdKpa(airTempC: number, rhPct: number): number {
  return saturationVapourPressureKpa(airTempC) * (1 - rhPct / 100);
}

/** Leaf VPD in kPa: leaf saturation pressure less the air's actual vapour pressure. */
export function leafVpdKpa(leafTempC: number, airTempC: number, rhPct: number): number {
  return saturationVapourPressureKpa(leafTempC) - (saturationVapourPressureKpa(airTempC) * rhPct) / 100;
}

const MAGNUS_A = 17.62;
const MAGNUS_B = 243.5;

/** Dew point in °C; undefined at 0 % RH, where it does not exist. */
export function dewPointC(airTempC: number, rhPct: number): number | undefined {
  if (rhPct <= 0) return undefined;
  const gamma = Math.log(rhPct / 100) + (MAGNUS_A * airTempC) / (MAGNUS_B + airTempC);
  return (MAGNUS_B * gamma) / (MAGNUS_A - gamma);
}

/** Daily light integral in mol/m²/d from PPFD samples, each held for `dtS` seconds. */
export function dailyLightIntegral(samples: ReadonlyArray<{ ppfd: number; dtS: number }>): number {
  return samples.reduce((sum, s) => sum + s.ppfd * s.dtS, 0) / 1e6;
}

export interface GddOptions {
  readonly baseC: number;
  /** Modified method: Tmax is capped here and Tmin raised to the base. */
  readonly capC?: number;
}

/** Growing degree days for one day. */
export function growingDegreeDays(tMaxC: number, tMinC: number, opts: GddOptions): number {
  let hi = tMaxC;
  let lo = tMinC;
  if (opts.capC !== undefined) {
    hi = Math.max(Math.min(hi, opts.capC), opts.baseC);
    lo = Math.max(lo, opts.baseC);
  }
  return Math.max(0, (hi + lo) / 2 - opts.baseC);
}
