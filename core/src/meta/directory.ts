/**
 * Read side of the metadata that the hot paths need: which greenhouse a device reported for at
 * a given time. Answered from device assignments with validity periods, so a late replay lands
 * in the greenhouse the device was in when it measured, not where it is now. Cached, because
 * ingest asks for every message; refreshed on a timer because another process (the API) may
 * change assignments.
 */
import type { MetaDb } from './database.ts';

export interface DeviceDirectory {
  /**
   * The greenhouse the device was assigned to at `ts` (epoch ms, default now); undefined for an
   * unknown device or one assigned nowhere at that time.
   */
  greenhouseOf(deviceId: string, ts?: number): Promise<string | undefined>;
  close(): void;
}

interface Period {
  readonly greenhouse: string;
  readonly from: number;
  /** Exclusive; Infinity while current. */
  readonly to: number;
}

const UNKNOWN_RELOAD_MS = 1_000;

export function createDeviceDirectory(db: MetaDb, options: { ttlMs: number; now?: () => number }): DeviceDirectory {
  const now = options.now ?? Date.now;
  let cache = new Map<string, Period[]>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  async function reload(): Promise<void> {
    const rows = await db
      .selectFrom('device_assignments')
      .select(['device_id', 'greenhouse_id', 'valid_from', 'valid_to'])
      .orderBy('device_id')
      .orderBy('valid_from', 'desc')
      .execute();
    const next = new Map<string, Period[]>();
    for (const r of rows) {
      const periods = next.get(r.device_id) ?? [];
      periods.push({
        greenhouse: r.greenhouse_id,
        from: Number(r.valid_from),
        to: r.valid_to === null ? Number.POSITIVE_INFINITY : Number(r.valid_to),
      });
      next.set(r.device_id, periods);
    }
    cache = next;
    loadedAt = now();
  }

  return {
    async greenhouseOf(deviceId, ts) {
      const age = now() - loadedAt;
      // A device provisioned a moment ago must not lose its first readings and status: an unknown id
      // reloads too, at most once a second, so a flood of junk ids cannot hammer the database.
      const stale = age > options.ttlMs || (!cache.has(deviceId) && age > UNKNOWN_RELOAD_MS);
      if (stale) {
        loading ??= reload().finally(() => {
          loading = undefined;
        });
        await loading;
      }
      const at = ts ?? now();
      // Newest first: a device has few periods, and the current one is what nearly every reading wants.
      return cache.get(deviceId)?.find((p) => p.from <= at && at < p.to)?.greenhouse;
    },
    close() {
      cache.clear();
    },
  };
}
