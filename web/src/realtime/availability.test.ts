import { describe, expect, it } from 'vitest';
import type { Device } from '../api/types.ts';
import { applyStatus } from './applyLive.ts';
import { availabilityOf } from './availability.ts';

const device: Device = {
  id: 'd1',
  name: 'd',
  kind: 'canopy',
  online: true,
  state: 'online',
  lastSeen: 1_000_000,
  connectedSince: 900_000,
  intervalS: 10,
};

describe('availabilityOf', () => {
  it('turns a connected but silent device stale after three intervals', () => {
    expect(availabilityOf(device, 1_000_000 + 30_000)).toBe('online');
    expect(availabilityOf(device, 1_000_000 + 30_001)).toBe('stale');
    expect(availabilityOf({ ...device, online: false }, 1_000_000)).toBe('offline');
  });

  it('counts a fresh online status as hearing from the device', () => {
    const gh = { id: 'g', name: 'g', farm: { id: 'f', name: 'f' }, areaM2: 1, devices: [{ ...device, online: false }], latest: {} };
    const [back] = applyStatus(gh, { greenhouse: 'g', device: 'd1', state: 'online', ts: 2_000_000 }).devices;
    expect(back && availabilityOf(back, 2_000_000 + 20_000)).toBe('online');
  });
});
