import { describe, expect, it } from 'vitest';
import type { Greenhouse } from '../api/types.ts';
import { applyReadings, applyStatus, lastUpdate } from './applyLive.ts';

const gh: Greenhouse = {
  id: 'gh-1',
  name: 'Nhà lưới 1',
  farm: { id: 'farm-1', name: 'Trang trại' },
  areaM2: 720,
  devices: [
    {
      id: 'gh1-climate',
      name: 'Khí hậu',
      kind: 'climate',
      online: true,
      state: 'online',
      lastSeen: 1_000,
      connectedSince: 500,
      intervalS: 10,
    },
    {
      id: 'gh1-substrate',
      name: 'Giá thể',
      kind: 'substrate',
      online: false,
      state: 'offline',
      lastSeen: null,
      connectedSince: null,
      intervalS: 10,
    },
  ],
  latest: { air_temp_c: { value: 28, ts: 1_000, device: 'gh1-climate' } },
};

describe('live updates of a greenhouse', () => {
  it('takes newer readings, keeps newer ones it has, and moves last-seen', () => {
    const next = applyReadings(gh, {
      greenhouse: 'gh-1',
      samples: [
        { device: 'gh1-climate', ts: 900, m: { air_temp_c: 20 } },
        { device: 'gh1-substrate', ts: 2_000, m: { 'soil_temp_c.2': 22.5 } },
      ],
    });
    expect(next.latest.air_temp_c?.value).toBe(28);
    expect(next.latest['soil_temp_c.2']).toEqual({ value: 22.5, ts: 2_000, device: 'gh1-substrate' });
    expect(next.devices.map((d) => d.lastSeen)).toEqual([1_000, 2_000]);
    expect(lastUpdate(next)).toBe(2_000);
    expect(gh.latest['soil_temp_c.2']).toBeUndefined();
  });

  it('ignores messages for another greenhouse', () => {
    expect(applyReadings(gh, { greenhouse: 'gh-2', samples: [{ device: 'x', ts: 5_000, m: { rh_pct: 1 } }] })).toBe(gh);
  });

  it('switches a device online and offline', () => {
    const next = applyStatus(gh, { greenhouse: 'gh-1', device: 'gh1-substrate', state: 'online', ts: 3_000 });
    expect(next.devices[1]).toMatchObject({ online: true, lastSeen: 3_000 });
    expect(next.devices[0]).toBe(gh.devices[0]);
    const off = applyStatus(gh, { greenhouse: 'gh-1', device: 'gh1-climate', state: 'offline', ts: 9_000 });
    expect(off.devices[0]).toMatchObject({ online: false, lastSeen: 1_000 });
  });
});
