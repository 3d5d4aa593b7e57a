/** Joins a greenhouse's records with its latest readings and its devices' live state. */
import { deviceAvailability } from '@canopy/core';
import type { GreenhouseRecord, LatestValue } from '@canopy/core/node';
import type { Static } from 'typebox';
import type { LiveFeed } from '../../liveFeed.ts';
import type { Greenhouse } from './schemas.ts';

export function greenhouseView(record: GreenhouseRecord, latest: readonly LatestValue[], live: LiveFeed): Static<typeof Greenhouse> {
  const own = latest.filter((l) => l.greenhouse === record.id);
  const newest: Static<typeof Greenhouse>['latest'] = {};
  for (const l of own) {
    const current = newest[l.metric];
    if (!current || current.ts < l.ts) newest[l.metric] = { value: l.value, ts: l.ts, device: l.device };
  }
  return {
    id: record.id,
    name: record.name,
    farm: record.farm,
    areaM2: record.areaM2,
    structure: record.structure,
    location: record.location,
    devices: record.devices.map((d) => {
      const seen = own.filter((l) => l.device === d.id).map((l) => l.ts);
      const status = live.statusOf(d.id);
      const online = status?.state === 'online';
      const lastSeen = seen.length > 0 ? Math.max(...seen) : null;
      return {
        id: d.id,
        name: d.name,
        kind: d.kind,
        online,
        state: deviceAvailability({ connected: online, connectedSince: status?.ts, lastSeen, intervalS: d.intervalS, now: Date.now() }),
        lastSeen,
        connectedSince: online ? (status?.ts ?? null) : null,
        intervalS: d.intervalS,
      };
    }),
    latest: newest,
  };
}
