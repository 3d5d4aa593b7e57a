/** Parses the history query's time range and metric list into checked values. */
import { chooseStepMs, parseMetricKey } from '@canopy/core';
import type { MetaDb } from '@canopy/core/node';
import { badRequest } from '../../errors.ts';

const DEFAULT_SPAN_MS = 3_600_000;
const MAX_SPAN_MS = 20 * 366 * 86_400_000;
const MAX_METRICS = 32;

export function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw badRequest('CANOPY_BAD_TIME', `${name} must be epoch milliseconds or ISO 8601`);
  return ms;
}

export function parseRange(query: { from?: string; to?: string }, now: number): { from: number; to: number; stepMs: number } {
  const to = parseTime('to', query.to) ?? now;
  const from = parseTime('from', query.from) ?? to - DEFAULT_SPAN_MS;
  if (from >= to) throw badRequest('CANOPY_BAD_RANGE', 'from must be before to');
  if (to - from > MAX_SPAN_MS) throw badRequest('CANOPY_BAD_RANGE', 'range longer than 20 years');
  return { from, to, stepMs: chooseStepMs(from, to) };
}

export function parseMetrics(query: { metrics?: string; metric?: string }): string[] {
  const keys = [...(query.metrics?.split(',') ?? []), ...(query.metric === undefined ? [] : [query.metric])]
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (keys.length === 0) throw badRequest('CANOPY_NO_METRICS', 'give metrics=a,b or metric=a');
  if (keys.length > MAX_METRICS) throw badRequest('CANOPY_TOO_MANY_METRICS', `at most ${MAX_METRICS} metrics`);
  for (const key of keys) {
    if (!parseMetricKey(key)) throw badRequest('CANOPY_UNKNOWN_METRIC', `unknown metric ${JSON.stringify(key.slice(0, 64))}`);
  }
  return [...new Set(keys)];
}

/** The IANA time zone whose calendar days a cooperative's daily figures follow. */
export async function cooperativeTimeZone(meta: MetaDb, cooperativeId: string): Promise<string | undefined> {
  return (await meta.selectFrom('cooperatives').select('time_zone').where('id', '=', cooperativeId).executeTakeFirst())?.time_zone;
}
