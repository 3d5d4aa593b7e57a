import { type LiveMessage, liveReadings } from '@canopy/core';
import type { Greenhouse } from '../api/types.ts';
import type { StatusMessage } from './live.ts';

/** The greenhouse with newer readings in `latest` and its devices' last-seen moved on; stale readings are ignored. */
export function applyReadings(gh: Greenhouse, msg: LiveMessage): Greenhouse {
  if (msg.greenhouse !== gh.id || msg.samples.length === 0) return gh;
  const latest = { ...gh.latest };
  const seen = new Map<string, number>();
  for (const r of liveReadings(msg)) {
    const current = latest[r.metric];
    if (!current || r.ts >= current.ts) latest[r.metric] = { value: r.value, ts: r.ts, device: r.device };
    seen.set(r.device, Math.max(seen.get(r.device) ?? 0, r.ts));
  }
  const devices = gh.devices.map((d) => {
    const ts = seen.get(d.id);
    return ts !== undefined && ts > (d.lastSeen ?? 0) ? { ...d, lastSeen: ts } : d;
  });
  return { ...gh, latest, devices };
}

/** A device going online was just seen; one going offline keeps its last-seen, since the broker notices silence late. */
export function applyStatus(gh: Greenhouse, msg: StatusMessage): Greenhouse {
  if (msg.greenhouse !== gh.id) return gh;
  const online = msg.state === 'online';
  return {
    ...gh,
    devices: gh.devices.map((d) =>
      d.id === msg.device
        ? { ...d, online, connectedSince: online ? msg.ts : null, lastSeen: online ? Math.max(d.lastSeen ?? 0, msg.ts) : d.lastSeen }
        : d,
    ),
  };
}

/** Newest reading of any metric: when the greenhouse last reported. */
export function lastUpdate(gh: Greenhouse): number | undefined {
  let newest: number | undefined;
  for (const r of Object.values(gh.latest)) if (newest === undefined || r.ts > newest) newest = r.ts;
  return newest;
}
