/** Rollup maintenance and retention settings, read and checked at start-up. */
import { ConfigError, type Env, envInt } from '../config.ts';
import type { Source } from './rollups.ts';

export interface RollupConfig {
  /** Pause between maintenance passes. */
  readonly intervalMs: number;
  /** Dirty hours recomputed per pass at most, so a replayed week is caught up over a few passes. */
  readonly batchHours: number;
  /** Days kept per source; 0 keeps it for ever. */
  readonly retentionDays: Readonly<Record<Source, number>>;
}

/** Finest first, each with its variable and default (days; 0 = for ever; undefined = as long as the finer source). */
const RETENTION: readonly (readonly [Source, string, number | undefined, string])[] = [
  ['raw', 'RETENTION_RAW_DAYS', 90, 'raw data'],
  ['1m', 'RETENTION_1M_DAYS', 400, '1-minute rollups'],
  ['2m', 'RETENTION_2M_DAYS', undefined, '2-minute rollups'],
  ['5m', 'RETENTION_5M_DAYS', undefined, '5-minute rollups'],
  ['15m', 'RETENTION_15M_DAYS', 0, '15-minute rollups'],
  ['1h', 'RETENTION_1H_DAYS', 0, '1-hour rollups'],
  ['6h', 'RETENTION_6H_DAYS', 0, '6-hour rollups'],
];

export function loadRollupConfig(env: Env): RollupConfig {
  const retentionDays = {} as Record<Source, number>;
  // Rollups are recomputed from raw data, and coarse levels from finer ones: a source must not
  // outlive the level built on it, or a late reading would rebuild a deleted rollup partially.
  const keeps = (days: number) => (days === 0 ? Number.POSITIVE_INFINITY : days);
  let finer: { days: number; what: string } | undefined;
  for (const [source, variable, fallback, what] of RETENTION) {
    const days = envInt(env, variable, fallback ?? finer?.days ?? 0, { min: 0, max: 100_000 });
    if (finer && keeps(days) < keeps(finer.days)) throw new ConfigError(variable, `must keep ${what} at least as long as ${finer.what}`);
    retentionDays[source] = days;
    finer = { days, what };
  }
  return {
    intervalMs: envInt(env, 'ROLLUP_INTERVAL_S', 30, { min: 1, max: 3_600 }) * 1_000,
    batchHours: envInt(env, 'ROLLUP_BATCH_HOURS', 24, { min: 1, max: 10_000 }),
    retentionDays,
  };
}
