import { describe, expect, it } from 'vitest';
import { normalsAt, parseClimateNormals, RED_RIVER_DELTA } from './climateNormals.ts';
import { solarElevationDeg } from './solar.ts';
import { createWeather, diurnalTempC } from './weather.ts';

const HOUR = 3_600_000;
/** Local midnight (UTC+7) starting the given day. */
const localMidnight = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) - 7 * HOUR;
const month = (m: number) => RED_RIVER_DELTA.months[m - 1] ?? expect.unreachable();

describe('climate normals', () => {
  it('holds each month at mid-month and blends between', () => {
    const july = normalsAt(RED_RIVER_DELTA, localMidnight(2025, 7, 16) + 12 * HOUR);
    expect(july.meanMaxC).toBeCloseTo(month(7).meanMaxC, 0);
    expect(july.sunshineHPerDay).toBeCloseTo(month(7).sunshineH / 31, 0);
    const monthEnd = normalsAt(RED_RIVER_DELTA, localMidnight(2025, 7, 31) + 23 * HOUR);
    expect(monthEnd.meanMaxC).toBeCloseTo((month(7).meanMaxC + month(8).meanMaxC) / 2, 1);
    // December blends into January across the new year.
    const newYear = normalsAt(RED_RIVER_DELTA, localMidnight(2026, 1, 1));
    expect(newYear.meanMinC).toBeCloseTo((month(12).meanMinC + month(1).meanMinC) / 2, 1);
  });

  it('rejects a malformed data file', () => {
    expect(() => parseClimateNormals({})).toThrow(/location/);
    expect(() => parseClimateNormals({ location: { lat: 1, lon: 2, utc_offset_h: 7 }, columns: ['month'], monthly: [] })).toThrow(
      /columns/,
    );
  });
});

describe('solar model', () => {
  it('puts the sun near the zenith at the June solstice noon and lower in December', () => {
    const noonElevation = (y: number, m: number, d: number) => {
      let best = -90;
      for (let t = localMidnight(y, m, d); t < localMidnight(y, m, d) + 24 * HOUR; t += 60_000) {
        best = Math.max(best, solarElevationDeg(t, RED_RIVER_DELTA.latDeg, RED_RIVER_DELTA.lonDeg));
      }
      return best;
    };
    expect(noonElevation(2025, 6, 21)).toBeCloseTo(90 - (23.44 - 20.94), 0);
    expect(Math.abs(noonElevation(2025, 12, 21) - (90 - 20.94 - 23.44))).toBeLessThan(1);
  });
});

describe('outside weather', () => {
  it('has its minimum at 06:00 and maximum at 14:00', () => {
    expect(diurnalTempC(6, 20, 30)).toBe(20);
    expect(diurnalTempC(14, 20, 30)).toBe(30);
    expect(diurnalTempC(10, 20, 30)).toBeCloseTo(25);
    expect(diurnalTempC(2, 20, 30)).toBeGreaterThan(20);
  });

  for (const m of [1, 4, 7, 10]) {
    it(`stays within the month's band over a simulated day (month ${m})`, () => {
      const weather = createWeather(RED_RIVER_DELTA, 7);
      const start = localMidnight(2025, m, 15);
      const normals = month(m);
      const at = (hour: number) => weather.at(start + hour * HOUR);
      for (let t = start; t < start + 24 * HOUR; t += 5 * 60_000) {
        const w = weather.at(t);
        expect(w.airTempC).toBeGreaterThan(normals.meanMinC - 2);
        expect(w.airTempC).toBeLessThan(normals.meanMaxC + 2);
        expect(w.rhPct).toBeGreaterThan(40);
        expect(w.rhPct).toBeLessThanOrEqual(99);
        expect(w.ppfd).toBeGreaterThanOrEqual(0);
      }
      expect(at(14).airTempC).toBeGreaterThan(at(6).airTempC + 3);
      expect(at(14).rhPct).toBeLessThan(at(6).rhPct);
      for (const night of [0, 3, 5, 19.5, 22]) expect(at(night).ppfd).toBe(0);
      expect(at(12).ppfd).toBeGreaterThan(300);
    });
  }

  it('averages close to the normals over a month, with sunnier summers', () => {
    const weather = createWeather(RED_RIVER_DELTA, 1);
    const monthly = (m: number) => {
      let maxSum = 0;
      let minSum = 0;
      let energy = 0;
      const days = 28;
      for (let d = 0; d < days; d++) {
        let hi = -99;
        let lo = 99;
        for (let t = localMidnight(2025, m, 1 + d); t < localMidnight(2025, m, 2 + d); t += 10 * 60_000) {
          const w = weather.at(t);
          hi = Math.max(hi, w.airTempC);
          lo = Math.min(lo, w.airTempC);
          energy += (w.irradianceWm2 * 600) / 1e6;
        }
        maxSum += hi;
        minSum += lo;
      }
      return { max: maxSum / days, min: minSum / days, mjPerDay: energy / days };
    };
    const jan = monthly(1);
    const jul = monthly(7);
    expect(Math.abs(jan.max - month(1).meanMaxC)).toBeLessThan(1);
    expect(Math.abs(jan.min - month(1).meanMinC)).toBeLessThan(1);
    expect(Math.abs(jul.max - month(7).meanMaxC)).toBeLessThan(1);
    expect(Math.abs(jul.min - month(7).meanMinC)).toBeLessThan(1);
    // Hanoi receives roughly 8–10 MJ/m²/day in January and 17–20 in July.
    expect(jan.mjPerDay).toBeGreaterThan(6);
    expect(jan.mjPerDay).toBeLessThan(12);
    expect(jul.mjPerDay).toBeGreaterThan(15);
    expect(jul.mjPerDay).toBeLessThan(22);
  });

  it('is a pure function of seed and time', () => {
    const t = localMidnight(2025, 5, 3) + 13.25 * HOUR;
    expect(createWeather(RED_RIVER_DELTA, 3).at(t)).toEqual(createWeather(RED_RIVER_DELTA, 3).at(t));
    expect(createWeather(RED_RIVER_DELTA, 3).at(t).airTempC).not.toBe(createWeather(RED_RIVER_DELTA, 4).at(t).airTempC);
  });
});
