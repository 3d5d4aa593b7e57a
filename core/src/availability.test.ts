import { describe, expect, it } from 'vitest';
import { deviceAvailability } from './availability.ts';

describe('device availability', () => {
  const base = { connected: true, connectedSince: 0, lastSeen: 100_000, intervalS: 10, now: 120_000 };
  it('is online while telemetry keeps coming, stale after 3 silent intervals, offline when disconnected', () => {
    expect(deviceAvailability(base)).toBe('online');
    expect(deviceAvailability({ ...base, now: 130_001 })).toBe('stale');
    expect(deviceAvailability({ ...base, connected: false })).toBe('offline');
  });
  it('gives a device that just connected its intervals before calling it stale', () => {
    expect(deviceAvailability({ ...base, lastSeen: null, connectedSince: 110_000 })).toBe('online');
    expect(deviceAvailability({ ...base, lastSeen: null, connectedSince: 50_000 })).toBe('stale');
  });
});
