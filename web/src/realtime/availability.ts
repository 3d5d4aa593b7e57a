import { type Availability, deviceAvailability } from '@canopy/core';
import type { Device } from '../api/types.ts';

/** Recomputed as time passes, with the API's own rule, so a silent device turns stale without a reload. */
export function availabilityOf(device: Device, now: number): Availability {
  return deviceAvailability({
    connected: device.online,
    connectedSince: device.connectedSince ?? undefined,
    lastSeen: device.lastSeen,
    intervalS: device.intervalS,
    now,
  });
}
