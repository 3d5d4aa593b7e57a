/**
 * The broker's copy of device credentials. Loaded whole at start so that a reconnect storm
 * costs one hash per client and no database round trip; an id not yet known (provisioned a
 * moment ago) is looked up once. Rotations and revocations made by the API — possibly in
 * another process — are found by polling the global credentials version: one indexed query.
 */
import { type DeviceAuthRecord, type Logger, listDeviceAuth, type MetaDb } from '@canopy/core/node';

export interface CredentialCache {
  start(): Promise<void>;
  stop(): void;
  /** The device's record, from memory or else from the database. */
  lookup(deviceId: string): Promise<DeviceAuthRecord | undefined>;
  /** Reads the device's record from the database again (a secret rotated since the last poll). */
  refresh(deviceId: string): Promise<DeviceAuthRecord | undefined>;
  /** Cached record only: for the hot publish path, after authentication put it there. */
  cached(deviceId: string): DeviceAuthRecord | undefined;
  /** Reads changes now; resolves with the ids whose credentials changed. */
  poll(): Promise<string[]>;
}

export function createCredentialCache(
  db: MetaDb,
  options: { pollMs: number; logger: Logger; onChanged: (deviceIds: readonly string[]) => void },
): CredentialCache {
  const records = new Map<string, DeviceAuthRecord>();
  let version = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<string[]> | undefined;

  function remember(list: readonly DeviceAuthRecord[]): void {
    for (const record of list) {
      records.set(record.id, record);
      if (record.credentialsVersion > version) version = record.credentialsVersion;
    }
  }

  async function readChanges(): Promise<string[]> {
    const changed = await listDeviceAuth(db, { sinceVersion: version });
    remember(changed);
    return changed.map((r) => r.id);
  }

  async function refresh(deviceId: string): Promise<DeviceAuthRecord | undefined> {
    const [fresh] = await listDeviceAuth(db, { ids: [deviceId] });
    if (fresh) records.set(fresh.id, fresh);
    else records.delete(deviceId);
    return fresh;
  }

  function poll(): Promise<string[]> {
    polling ??= readChanges().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  return {
    async start() {
      remember(await listDeviceAuth(db));
      const tick = () => {
        poll().then(
          (ids) => {
            if (ids.length > 0) options.onChanged(ids);
          },
          (err: unknown) => options.logger.warn({ err }, 'could not poll device credentials'),
        );
      };
      timer = setInterval(tick, options.pollMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      records.clear();
    },
    async lookup(deviceId) {
      return records.get(deviceId) ?? (await refresh(deviceId));
    },
    refresh,
    cached: (deviceId) => records.get(deviceId),
    poll,
  };
}
