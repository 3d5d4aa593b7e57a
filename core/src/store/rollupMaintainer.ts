/**
 * Keeps the 1-minute and 1-hour rollups of either store up to date, and applies retention.
 *
 * Every store write marks the hours it touches dirty, durably and with the data (same SQLite
 * transaction, same InfluxDB request), stamped with the writer's clock. A pass reads the marks
 * newer than the stored cursor, recomputes those hours from raw data (1-minute sum/count/min/max,
 * folded exactly into the hour), writes them back, and moves the cursor. The cursor stays
 * SKEW_MS behind the pass's start, so a write racing the pass, or stamped by a writer whose clock
 * lags a little, is recomputed by the next pass; recomputing is idempotent, so the only cost of
 * that margin is a little repeated work. A crash between a write and its recomputation loses
 * nothing: the mark is still newer than the cursor.
 *
 * One maintainer per store is enough and best (several are safe but duplicate work); it runs on
 * a timer with a bounded batch per pass, off every request's path.
 */
import type { Service } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { RollupConfig } from './rollupConfig.ts';
import { DAY_MS, type DirtyHour, HOUR_MS, MINUTE_MS, type RollupStore, regroup, type Source } from './rollups.ts';

/** Largest clock difference between writers (and the maintainer) that cannot make a recomputation be missed. */
export const SKEW_MS = 5 * MINUTE_MS;
const RETENTION_EVERY_MS = HOUR_MS;
const HOURS_PER_READ = 24;

export interface MaintenancePass {
  /** Hours recomputed. */
  readonly hours: number;
  /** True when dirty hours were left for the next pass. */
  readonly more: boolean;
  /** Sources whose old data was deleted in this pass. */
  readonly retained: readonly Source[];
}

export interface RollupMaintainer extends Service {
  /** One pass now; passes never overlap. */
  runOnce(): Promise<MaintenancePass>;
}

export function createRollupMaintainer(
  store: RollupStore,
  config: RollupConfig,
  logger: Logger,
  now: () => number = Date.now,
): RollupMaintainer {
  const { rollups } = store;
  /**
   * hour → the mark this process last recomputed, so a backlog newer than the cursor is not redone
   * each pass. Only that exact mark counts: any other, even an older stamp from a writer whose
   * clock lags, means another write.
   */
  const done = new Map<number, number>();
  const isDone = (d: DirtyHour) => done.get(d.hour) === d.markedAt;
  let lastRetention = Number.NEGATIVE_INFINITY;
  const unsupported = new Set<Source>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<MaintenancePass> | undefined;
  let stopped = true;

  const cutoff = (source: Source, t: number) => {
    const days = config.retentionDays[source];
    return days === 0 ? undefined : Math.floor((t - days * DAY_MS) / HOUR_MS) * HOUR_MS;
  };

  /** A few hours per round trip: fewer requests to InfluxDB, and a bounded amount of rows in memory. */
  async function recompute(hours: readonly number[]): Promise<void> {
    for (let i = 0; i < hours.length; i += HOURS_PER_READ) {
      const minutes = await rollups.aggregateRaw(hours.slice(i, i + HOURS_PER_READ), MINUTE_MS);
      await rollups.writeRollups('1m', minutes);
      await rollups.writeRollups(
        '1h',
        regroup(minutes, (minute) => minute - (minute % HOUR_MS)),
      );
    }
  }

  /** Oldest marks first, up to the batch size, never splitting marks of one instant (one write's hours). */
  function batchOf(dirty: readonly DirtyHour[]): DirtyHour[] {
    const todo = dirty.filter((d) => !isDone(d));
    let n = Math.min(config.batchHours, todo.length);
    while (n < todo.length && todo[n]?.markedAt === todo[n - 1]?.markedAt) n++;
    return todo.slice(0, n);
  }

  async function pass(): Promise<MaintenancePass> {
    const started = now();
    const cursor = await rollups.readCursor();
    const dirty = await rollups.dirtyHours(cursor ?? Number.MIN_SAFE_INTEGER);
    const batch = batchOf(dirty);
    // Every dirty hour, even one older than raw retention: its raw data is only deleted after this.
    // (Ingest must not accept readings older than RETENTION_RAW_DAYS, or they would rebuild a rollup from a remnant.)
    await recompute([...new Set(batch.map((d) => d.hour))]);
    for (const { hour, markedAt } of batch) done.set(hour, markedAt);
    const left = dirty.filter((d) => !isDone(d));
    const oldestLeft = left.reduce((min, d) => Math.min(min, d.markedAt), Number.POSITIVE_INFINITY);
    const next = Math.min(started - SKEW_MS, oldestLeft);
    if (cursor === undefined || next > cursor) {
      await rollups.writeCursor(next);
      for (const [hour, markedAt] of done) if (markedAt < next) done.delete(hour);
    }
    const retained = left.length === 0 ? await applyRetention(started) : [];
    return { hours: batch.length, more: left.length > 0, retained };
  }

  /** Hourly at most, and only once no dirty hour is waiting, so raw data is never deleted before it is rolled up. */
  async function applyRetention(t: number): Promise<Source[]> {
    if (t - lastRetention < RETENTION_EVERY_MS) return [];
    lastRetention = t;
    const retained: Source[] = [];
    for (const source of ['raw', '1m', '1h'] as const) {
      const before = cutoff(source, t);
      if (before === undefined || unsupported.has(source)) continue;
      if (await rollups.deleteBefore(source, before)) retained.push(source);
      else {
        unsupported.add(source);
        logger.warn({ source }, 'this store does not allow deleting old data: set a retention period on the InfluxDB bucket instead');
      }
    }
    return retained;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      maintainer
        .runOnce()
        .then((p) => schedule(p.more ? 0 : config.intervalMs))
        .catch((err: unknown) => {
          logger.warn({ err }, 'rollup maintenance failed; retrying at the next pass');
          schedule(config.intervalMs);
        });
    }, delayMs);
  }

  const maintainer: RollupMaintainer = {
    runOnce() {
      running ??= pass().finally(() => {
        running = undefined;
      });
      return running;
    },
    async start() {
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
  return maintainer;
}
