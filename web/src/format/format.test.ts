import { describe, expect, it } from 'vitest';
import { formatMetric, formatNumber } from './number.ts';
import { axisTimeFormat, formatAgo, timeTicks, timeZoneOffsetMs } from './time.ts';

const HCM = 'Asia/Ho_Chi_Minh';

describe('number formatting', () => {
  it('uses comma decimals and dot thousands in Vietnamese', () => {
    expect(formatNumber(27.46, 1, 'vi')).toBe('27,5');
    expect(formatNumber(1234, 0, 'vi')).toBe('1.234');
    expect(formatNumber(27.46, 1, 'en')).toBe('27.5');
  });

  it('formats readings with the precision and unit of their metric', () => {
    expect(formatMetric('air_temp_c', 27.46, 'vi')).toBe('27,5°C');
    expect(formatMetric('soil_temp_c.2', 21, 'en')).toBe('21.0°C');
    expect(formatMetric('rh_pct', 81.6, 'vi')).toBe('82%');
    expect(formatMetric('ec_ms_cm', 1.8, 'vi')).toBe('1,80\u00a0mS/cm');
    expect(formatMetric('co2_ppm', 1250, 'en')).toBe('1,250\u00a0ppm');
    expect(formatMetric('ph', 6.234, 'vi')).toBe('6,23');
    expect(formatMetric('mystery', 1.5, 'vi')).toBe('1,50');
  });

  it('never shows a negative zero', () => {
    expect(formatNumber(-0.04, 1, 'vi')).toBe('0,0');
  });
});

describe('time formatting', () => {
  const now = Date.UTC(2025, 5, 1, 12, 0, 0);

  it('says how long ago, in the locale', () => {
    expect(formatAgo(now - 20_000, now, 'vi', 'vừa xong')).toBe('vừa xong');
    expect(formatAgo(now - 5 * 60_000, now, 'vi', '')).toBe('5 phút trước');
    expect(formatAgo(now - 3 * 3_600_000, now, 'en', '')).toBe('3 hours ago');
  });

  it('knows the cooperative is seven hours ahead of UTC', () => {
    expect(timeZoneOffsetMs(now, HCM)).toBe(7 * 3_600_000);
    expect(timeZoneOffsetMs(now, 'UTC')).toBe(0);
  });

  it('puts day ticks on local midnight', () => {
    const from = Date.UTC(2025, 5, 1, 10, 0);
    const ticks = timeTicks(from, from + 7 * 86_400_000, HCM);
    expect(ticks.length).toBeLessThanOrEqual(5);
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: HCM, hour: '2-digit', minute: '2-digit' });
    for (const t of ticks) expect(fmt.format(t)).toBe('00:00');
  });

  it('puts hour-range ticks on quarter hours and labels them in local time', () => {
    const from = Date.UTC(2025, 5, 1, 5, 7);
    const ticks = timeTicks(from, from + 3_600_000, HCM);
    const fmt = axisTimeFormat(3_600_000, 'vi', HCM);
    expect(ticks.map((t) => fmt.format(t))).toEqual(['12:15', '12:30', '12:45', '13:00']);
  });
});
