/**
 * Read side of the metadata that the hot paths need: which greenhouse a device reports for.
 * Cached, because ingest asks for every message; refreshed on a timer because another
 * process (the API) may change assignments.
 */
import type { MetaDb } from './database.ts';

export interface DeviceDirectory {
  /** The greenhouse the device belongs to; undefined for an unknown or unassigned device. */
  greenhouseOf(deviceId: string): Promise<string | undefined>;
  close(): void;
}

export function createDeviceDirectory(db: MetaDb, options: { ttlMs: number; now?: () => number }): DeviceDirectory {
  const now = options.now ?? Date.now;
  let cache = new Map<string, string | null>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  async function reload(): Promise<void> {
    const rows = await db.selectFrom('devices').select(['id', 'greenhouse_id']).execute();
    cache = new Map(rows.map((r) => [r.id, r.greenhouse_id]));
    loadedAt = now();
  }

  return {
    async greenhouseOf(deviceId) {
      const stale = now() - loadedAt > options.ttlMs;
      // An unknown id triggers at most one reload per TTL, so a flood of junk ids cannot hammer the database.
      if (stale) {
        loading ??= reload().finally(() => {
          loading = undefined;
        });
        await loading;
      }
      return cache.get(deviceId) ?? undefined;
    },
    close() {
      cache.clear();
    },
  };
}
