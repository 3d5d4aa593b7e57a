/**
 * Read side of the metadata that the hot paths need: which greenhouse a device reported for at
 * a given time. Answered from device assignments with validity periods, so a late replay lands
 * in the greenhouse the device was in when it measured, not where it is now. Cached, because
 * ingest asks for every message; refreshed because another process (the API) may change
 * assignments: in the background once the cache is older than the TTL (a lookup never waits for
 * a reload of a device the cache knows), and on demand for a device the cache does not know.
 */
import type { MetaDb } from './database.ts';

/** `cachedGreenhouseOf`'s answer when only a reload can tell: call `greenhouseOf`, which waits for it. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

export interface DeviceDirectory {
  /**
   * The greenhouse the device was assigned to at `ts` (epoch ms, default now); undefined for an
   * unknown device or one assigned nowhere at that time.
   */
  greenhouseOf(deviceId: string, ts?: number): Promise<string | undefined>;
  /**
   * The same answer without a promise, for ingest's per-message path, or NOT_CACHED when the
   * device is not in the cache and a reload is due (then `greenhouseOf` waits for one).
   */
  cachedGreenhouseOf(deviceId: string, ts?: number): string | undefined | typeof NOT_CACHED;
  close(): void;
}

interface Period {
  readonly greenhouse: string;
  readonly from: number;
  /** Exclusive; Infinity while current. */
  readonly to: number;
}

/**
 * A device provisioned a moment ago must not lose its first readings and status: an unknown id
 * waits for a reload, but at most once a second, so a flood of junk ids cannot hammer the database.
 */
const UNKNOWN_RELOAD_MS = 1_000;

export function createDeviceDirectory(db: MetaDb, options: { ttlMs: number; now?: () => number }): DeviceDirectory {
  const now = options.now ?? Date.now;
  let cache = new Map<string, Period[]>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  async function load(): Promise<void> {
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

  /** One reload at a time; whoever needs it awaits the one in flight. */
  function reload(): Promise<void> {
    loading ??= load().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  function find(periods: readonly Period[] | undefined, at: number): string | undefined {
    if (periods === undefined) return undefined;
    // Newest first: a device has few periods, and the current one is what nearly every reading wants.
    for (const p of periods) if (p.from <= at && at < p.to) return p.greenhouse;
    return undefined;
  }

  function cachedGreenhouseOf(deviceId: string, ts?: number): string | undefined | typeof NOT_CACHED {
    const periods = cache.get(deviceId);
    const at = now();
    const age = at - loadedAt;
    if (periods === undefined && age > UNKNOWN_RELOAD_MS) return NOT_CACHED;
    if (age > options.ttlMs && loading === undefined && at - failedAt > UNKNOWN_RELOAD_MS) {
      // Stale: answer from the cache and refresh behind it. A failed refresh keeps the old answers
      // and is tried again a second later, not at every message; it is not this lookup's error.
      reload().catch(() => {
        failedAt = now();
      });
    }
    return find(periods, ts ?? at);
  }

  return {
    cachedGreenhouseOf,
    async greenhouseOf(deviceId, ts) {
      const cached = cachedGreenhouseOf(deviceId, ts);
      if (cached !== NOT_CACHED) return cached;
      await reload();
      return find(cache.get(deviceId), ts ?? now());
    },
    close() {
      cache.clear();
    },
  };
}
