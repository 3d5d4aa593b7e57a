import { describe, expect, it } from 'vitest';
import { airVpdKpa, dailyLightIntegral, dewPointC, growingDegreeDays, leafVpdKpa, saturationVapourPressureKpa } from './agronomy.ts';

// Test values from docs/agronomy-reference.md.
describe('agronomy', () => {
  it('saturation vapour pressure (Tetens, FAO-56)', () => {
    expect(saturationVapourPressureKpa(15)).toBeCloseTo(1.705, 3);
    expect(saturationVapourPressureKpa(24.5)).toBeCloseTo(3.075, 3);
  });

  it.each([
    [25, 60, 1.267],
    [30, 80, 0.849],
    [28, 85, 0.567],
  ])('air VPD at %s °C / %s %% is %s kPa', (t, rh, vpd) => {
    expect(airVpdKpa(t, rh)).toBeCloseTo(vpd, 3);
  });

  it('leaf VPD uses the leaf temperature for saturation and the air for actual pressure', () => {
    expect(leafVpdKpa(25, 25, 60)).toBeCloseTo(airVpdKpa(25, 60), 6);
    expect(leafVpdKpa(23, 25, 60)).toBeLessThan(airVpdKpa(25, 60));
  });

  it.each([
    [29.1, 46.3, 16.39],
    [23.0, 52.3, 12.69],
    [26.1, 44.5, 13.05],
  ])('dew point at %s °C / %s %% is %s °C (Magnus)', (t, rh, td) => {
    expect(Math.abs((dewPointC(t, rh) as number) - td)).toBeLessThanOrEqual(0.1);
  });

  it('has no dew point at 0 % RH', () => {
    expect(dewPointC(20, 0)).toBeUndefined();
  });

  it('daily light integral', () => {
    expect(dailyLightIntegral([{ ppfd: 250, dtS: 12 * 3600 }])).toBeCloseTo(10.8, 6);
    expect(dailyLightIntegral([{ ppfd: 400, dtS: 16 * 3600 }])).toBeCloseTo(23.04, 6);
  });

  it('growing degree days, simple and modified', () => {
    expect(growingDegreeDays(32, 22, { baseC: 10 })).toBe(17);
    expect(growingDegreeDays(32, 22, { baseC: 10, capC: 30 })).toBe(16);
    expect(growingDegreeDays(12, 4, { baseC: 10 })).toBe(0);
    expect(growingDegreeDays(12, 4, { baseC: 10, capC: 30 })).toBe(1);
  });
});
