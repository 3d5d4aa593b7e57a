/**
 * Chart data of the greenhouse page: the history the API returned, with live readings merged in
 * as they arrive. Pure functions over immutable state, so React can skip charts that did not change.
 */
import type { HistoryPoint, LiveReading } from '@canopy/core';
import type { HistoryResponse } from '../../api/types.ts';
import { type GroupId, groupOf } from '../../metrics/groups.ts';

/** Points kept per series: the server sends at most ~1000 buckets, and a phone draws no more than that smoothly. */
export const MAX_POINTS = 1_000;

export interface Series {
  readonly points: readonly HistoryPoint[];
  /** Live readings averaged into the last point; 0 when that point came from the server and its sample count is unknown. */
  readonly tailCount: number;
}

export interface GroupData {
  /** metric key → series */
  readonly series: Readonly<Record<string, Series>>;
  /** Timestamp of the newest reading the chart shows. */
  readonly lastTs: number | undefined;
}

export interface ChartsData {
  readonly windowMs: number;
  readonly stepMs: number;
  /** Live readings become points of their own rather than being folded into `stepMs` buckets. */
  readonly raw: boolean;
  /** End of the visible window: the history's end, pushed forward by live readings. */
  readonly to: number;
  readonly groups: Readonly<Partial<Record<GroupId, GroupData>>>;
}

export interface Bucketing {
  readonly stepMs: number;
  readonly raw: boolean;
  readonly windowMs: number;
}

/** Index of the first point at or after `t` (points are sorted by time). */
function lowerBound(points: readonly HistoryPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as HistoryPoint)[0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Drops what slid out of the window on the left, then the oldest beyond the cap. */
function trim(points: HistoryPoint[], windowStart: number): HistoryPoint[] {
  const first = Math.max(lowerBound(points, windowStart), points.length - MAX_POINTS);
  return first > 0 ? points.slice(first) : points;
}

/** One live reading merged into a series: its own point when raw, else folded into its epoch-aligned bucket. */
export function appendReading(series: Series, ts: number, value: number, b: Bucketing): Series {
  const points = [...series.points];
  let tailCount = series.tailCount;
  const t = b.raw ? ts : ts - (((ts % b.stepMs) + b.stepMs) % b.stepMs);
  const i = lowerBound(points, t);
  const existing = points[i];
  if (existing && existing[0] === t) {
    const [, mean, min, max] = existing;
    const isTail = i === points.length - 1;
    // A raw duplicate (same reading delivered twice) replaces; a bucket widens, and its mean moves only when
    // every sample in it came live, since the server does not say how many samples its mean holds.
    const nextMean = b.raw ? value : isTail && tailCount > 0 ? (mean * tailCount + value) / (tailCount + 1) : mean;
    points[i] = b.raw ? [t, value, value, value] : [t, nextMean, Math.min(min, value), Math.max(max, value)];
    if (isTail && tailCount > 0 && !b.raw) tailCount += 1;
  } else {
    points.splice(i, 0, [t, value, value, value]);
    if (i === points.length - 1) tailCount = 1;
  }
  const newest = (points[points.length - 1] as HistoryPoint)[0];
  return { points: trim(points, newest - b.windowMs), tailCount };
}

const EMPTY_SERIES: Series = { points: [], tailCount: 0 };

/** Chart data from a history response; series of metrics no chart shows are dropped. */
export function fromHistory(res: HistoryResponse, windowMs: number, raw: boolean): ChartsData {
  const groups: Partial<Record<GroupId, { series: Record<string, Series>; lastTs: number | undefined }>> = {};
  for (const s of res.series) {
    const id = groupOf(s.metric);
    const last = s.points[s.points.length - 1];
    if (!id || !last) continue;
    const group = groups[id] ?? { series: {}, lastTs: undefined };
    groups[id] = group;
    group.series[s.metric] = { points: s.points.slice(-MAX_POINTS), tailCount: 0 };
    group.lastTs = Math.max(group.lastTs ?? last[0], last[0]);
  }
  return { windowMs, stepMs: res.step_ms, raw, to: res.to, groups };
}

/** Live readings merged into the chart data; only groups that received one get new objects, so other charts skip rendering. */
export function applyReadings(data: ChartsData, readings: readonly LiveReading[]): ChartsData {
  const groups = { ...data.groups };
  let to = data.to;
  let changed = false;
  for (const r of readings) {
    const id = groupOf(r.metric);
    if (!id) continue;
    const group = groups[id] ?? { series: {}, lastTs: undefined };
    const series = appendReading(group.series[r.metric] ?? EMPTY_SERIES, r.ts, r.value, data);
    groups[id] = { series: { ...group.series, [r.metric]: series }, lastTs: Math.max(group.lastTs ?? r.ts, r.ts) };
    to = Math.max(to, r.ts);
    changed = true;
  }
  return changed ? { ...data, to, groups } : data;
}

/** How many of `readings` each chart receives. */
export function countByGroup(readings: readonly LiveReading[]): Partial<Record<GroupId, number>> {
  const counts: Partial<Record<GroupId, number>> = {};
  for (const r of readings) {
    const id = groupOf(r.metric);
    if (id) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}
