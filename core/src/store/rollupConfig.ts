/** Rollup maintenance and retention settings, read and checked at start-up. */
import { ConfigError, type Env, envInt } from '../config.ts';

export interface RollupConfig {
  /** Pause between maintenance passes. */
  readonly intervalMs: number;
  /** Dirty hours recomputed per pass at most, so a replayed week is caught up over a few passes. */
  readonly batchHours: number;
  /** Days kept per source; 0 keeps it for ever. */
  readonly retentionDays: { readonly raw: number; readonly '1m': number; readonly '1h': number };
}

export function loadRollupConfig(env: Env): RollupConfig {
  const raw = envInt(env, 'RETENTION_RAW_DAYS', 90, { min: 0, max: 100_000 });
  const minute = envInt(env, 'RETENTION_1M_DAYS', 400, { min: 0, max: 100_000 });
  const hour = envInt(env, 'RETENTION_1H_DAYS', 0, { min: 0, max: 100_000 });
  // Rollups are recomputed from raw data: raw must not outlive them, or a late reading would rebuild a deleted rollup partially.
  const keeps = (days: number) => (days === 0 ? Number.POSITIVE_INFINITY : days);
  if (keeps(minute) < keeps(raw)) throw new ConfigError('RETENTION_1M_DAYS', 'must keep 1-minute rollups at least as long as raw data');
  if (keeps(hour) < keeps(minute)) throw new ConfigError('RETENTION_1H_DAYS', 'must keep 1-hour rollups at least as long as 1-minute ones');
  return {
    intervalMs: envInt(env, 'ROLLUP_INTERVAL_S', 30, { min: 1, max: 3_600 }) * 1_000,
    batchHours: envInt(env, 'ROLLUP_BATCH_HOURS', 24, { min: 1, max: 10_000 }),
    retentionDays: { raw, '1m': minute, '1h': hour },
  };
}
