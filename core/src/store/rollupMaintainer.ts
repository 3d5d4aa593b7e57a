/**
 * Keeps every rollup level of either store up to date, backfills levels a data directory from an
 * older version lacks, and applies retention.
 *
 * Every store write marks the hours it touches dirty, durably and with the data (same SQLite
 * transaction, same InfluxDB request), stamped with the writer's clock. A pass reads the marks
 * newer than the stored cursor, recomputes those hours from raw data (1-minute sum/count/min/max,
 * folded exactly into 2, 5 and 15 minutes and the hour), writes them back, recomputes the 6-hour
 * intervals holding them from the 1-hour rollups, and moves the cursor. A store that keeps greenhouse
 * rollups gets each level's rows merged over devices with them, before the cursor moves. The cursor stays
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
import {
  type AggregateRow,
  BACKFILL_DONE,
  COARSE_LEVELS,
  DAY_MS,
  type DirtyHour,
  type GreenhouseRollupStorage,
  HOUR_MS,
  HOURLY_LEVELS,
  LEVEL_MS,
  MINUTE_MS,
  mergeDevices,
  ROLLUP_LEVELS,
  type RollupLevel,
  type RollupStore,
  regroup,
  type Source,
} from './rollups.ts';

/** Largest clock difference between writers (and the maintainer) that cannot make a recomputation be missed. */
export const SKEW_MS = 5 * MINUTE_MS;
const RETENTION_EVERY_MS = HOUR_MS;
const HOURS_PER_READ = 24;
/** Backfill reads per round trip: a day of 1-minute rollups regrouped into 2, 5 and 15 minutes, and of 1-hour ones into 6 hours. */
const BACKFILL_CHUNK_MS = DAY_MS;
/** Where a backfill starts: past any rollup an older version wrote, even of readings from a clock a little ahead. */
const BACKFILL_MARGIN_MS = DAY_MS;
/** Longest run of adjacent coarse intervals recomputed with one read (a replayed week, or a test's year, in a few reads). */
const REGROUP_RUN_MS = 7 * DAY_MS;

export interface MaintenancePass {
  /** Hours recomputed. */
  readonly hours: number;
  /** True when dirty hours, or levels to backfill, were left for the next pass. */
  readonly more: boolean;
  /** Hours of older data whose newer levels this pass backfilled. */
  readonly backfilledHours: number;
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
  const greenhouses = rollups.greenhouses;
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

  const floorTo = (ms: number) => (t: number) => t - (t % ms);

  /** Device rollups, then the greenhouse rollups merged from them. */
  async function write(level: RollupLevel, rows: readonly AggregateRow[]): Promise<void> {
    await rollups.writeRollups(level, rows);
    if (greenhouses) await greenhouses.write(level, mergeDevices(rows));
  }

  /** A few hours per round trip: fewer requests to InfluxDB, and a bounded amount of rows in memory. */
  async function recompute(hours: readonly number[]): Promise<void> {
    for (let i = 0; i < hours.length; i += HOURS_PER_READ) {
      const minutes = await rollups.aggregateRaw(hours.slice(i, i + HOURS_PER_READ), MINUTE_MS);
      for (const level of HOURLY_LEVELS) await write(level, level === '1m' ? minutes : regroup(minutes, floorTo(LEVEL_MS[level])));
    }
    // Coarser intervals need their other hours too: regrouped from the 1-hour rollups just written.
    for (const level of COARSE_LEVELS) await regroupLevel(level, hours);
  }

  /** Recomputes the intervals of a coarse level that hold these hours, one read per run of adjacent intervals. */
  async function regroupLevel(level: RollupLevel, hours: readonly number[]): Promise<void> {
    const ms = LEVEL_MS[level];
    const starts = [...new Set(hours.map(floorTo(ms)))].sort((a, b) => a - b);
    for (let i = 0; i < starts.length; ) {
      const from = starts[i] ?? 0;
      let to = from + ms;
      for (i++; i < starts.length && starts[i] === to && to - from < REGROUP_RUN_MS; i++) to += ms;
      await write(level, await rollups.aggregateLevel('1h', from, to, ms));
    }
  }

  /** Lowest bucket with rollups to backfill from, looked up once per maintainer. */
  let backfillFloor: Promise<number | undefined> | undefined;

  /**
   * Up to `budgetHours` of a data directory from before BACKFILLED_LEVELS: walks down from where
   * the newer levels are complete, a day at a time, regrouping the older levels, newest first
   * (the ranges people look at most), and records its progress, so history can use the newer
   * levels wherever they are complete and a restart resumes where it stopped.
   */
  async function backfill(budgetHours: number, t: number): Promise<{ hours: number; done: boolean }> {
    let from = await rollups.readBackfilledFrom();
    if (from === BACKFILL_DONE) return { hours: 0, done: true };
    from ??= await startBackfill(t);
    backfillFloor ??= oldestRollup();
    return walkDown(from, await backfillFloor, budgetHours, rollups, async (a, b) => {
      await rollups.writeRollups('2m', await rollups.aggregateLevel('1m', a, b, LEVEL_MS['2m']));
      const fiveMinutes = await rollups.aggregateLevel('1m', a, b, LEVEL_MS['5m']);
      await rollups.writeRollups('5m', fiveMinutes);
      await rollups.writeRollups('15m', regroup(fiveMinutes, floorTo(LEVEL_MS['15m'])));
      await rollups.writeRollups('6h', await rollups.aggregateLevel('1h', a, b, LEVEL_MS['6h']));
    });
  }

  /**
   * A backfill's walk from `from` down to `floor`, a day at a time within `budgetHours`, `fill`
   * doing each day [a, b); progress is recorded after each, so a restart resumes where it stopped.
   */
  async function walkDown(
    from: number,
    floor: number | undefined,
    budgetHours: number,
    mark: { writeBackfilledFrom(from: number): Promise<void> },
    fill: (a: number, b: number) => Promise<void>,
  ): Promise<{ hours: number; done: boolean }> {
    let hours = 0;
    while (floor !== undefined && from > floor && hours < budgetHours) {
      await fill(from - BACKFILL_CHUNK_MS, from);
      from -= BACKFILL_CHUNK_MS;
      hours += BACKFILL_CHUNK_MS / HOUR_MS;
      await mark.writeBackfilledFrom(from);
    }
    if (floor !== undefined && from > floor) return { hours, done: false };
    await mark.writeBackfilledFrom(BACKFILL_DONE);
    return { hours, done: true };
  }

  /**
   * Before the first recomputation of a store that has never been backfilled: nothing to do when
   * it has no rollups yet (a new store), else the walk starts above anything an older version wrote.
   */
  async function startBackfill(t: number): Promise<number> {
    backfillFloor = oldestRollup();
    const from = await backfillStart(backfillFloor, t);
    await rollups.writeBackfilledFrom(from);
    return from;
  }

  async function backfillStart(floor: Promise<number | undefined>, t: number): Promise<number> {
    return (await floor) === undefined ? BACKFILL_DONE : Math.ceil((t + BACKFILL_MARGIN_MS) / BACKFILL_CHUNK_MS) * BACKFILL_CHUNK_MS;
  }

  /** Lowest bucket of any device rollup level, looked up once per maintainer: where the greenhouse backfill stops. */
  let greenhouseFloor: Promise<number | undefined> | undefined;

  /**
   * Up to `budgetHours` of greenhouse rollups for a data directory from before them, merged from
   * the device rollups of each level a day at a time, newest first, once the levels' own backfill is
   * done (it reads them). History reads greenhouse rollups only where this walk has been.
   */
  async function backfillGreenhouses(store: GreenhouseRollupStorage, budgetHours: number): Promise<{ hours: number; done: boolean }> {
    const from = await store.readBackfilledFrom();
    if (from === undefined || from === BACKFILL_DONE) return { hours: 0, done: true };
    greenhouseFloor ??= oldestOf(ROLLUP_LEVELS);
    return walkDown(from, await greenhouseFloor, budgetHours, store, async (a, b) => {
      for (const level of ROLLUP_LEVELS) await store.write(level, mergeDevices(await rollups.aggregateLevel(level, a, b, LEVEL_MS[level])));
    });
  }

  /** The oldest bucket of the 1-minute and 1-hour rollups, which the level backfill reads. */
  function oldestRollup(): Promise<number | undefined> {
    return oldestOf(['1m', '1h']);
  }

  async function oldestOf(levels: readonly RollupLevel[]): Promise<number | undefined> {
    const known = (await Promise.all(levels.map((l) => rollups.oldestRollup(l)))).filter((b) => b !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
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
    // First, so that a new store is known to need no backfill before this pass writes its first rollups.
    if ((await rollups.readBackfilledFrom()) === undefined) await startBackfill(started);
    if (greenhouses && (await greenhouses.readBackfilledFrom()) === undefined) {
      greenhouseFloor = oldestOf(ROLLUP_LEVELS);
      await greenhouses.writeBackfilledFrom(await backfillStart(greenhouseFloor, started));
    }
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
    // Backfill only once the dirty hours are caught up: they are what live dashboards show.
    const filled = left.length === 0 ? await backfill(config.batchHours, started) : { hours: 0, done: false };
    const merged =
      filled.done && greenhouses
        ? await backfillGreenhouses(greenhouses, config.batchHours - filled.hours)
        : { hours: 0, done: filled.done };
    const retained = left.length === 0 && merged.done ? await applyRetention(started) : [];
    return { hours: batch.length, more: left.length > 0 || !merged.done, retained, backfilledHours: filled.hours + merged.hours };
  }

  /** Hourly at most, and only once nothing waits to be rolled up or backfilled, so no source is deleted before what is built on it. */
  async function applyRetention(t: number): Promise<Source[]> {
    if (t - lastRetention < RETENTION_EVERY_MS) return [];
    lastRetention = t;
    // Stamped anew now and then, so that a retention period on an InfluxDB bucket never drops the mark.
    await rollups.writeBackfilledFrom(BACKFILL_DONE);
    await greenhouses?.writeBackfilledFrom(BACKFILL_DONE);
    const retained: Source[] = [];
    for (const source of ['raw', ...HOURLY_LEVELS, ...COARSE_LEVELS] as const) {
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
