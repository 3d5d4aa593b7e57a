/**
 * Monthly climate normals and their day-by-day interpolation. Each month's figure is taken to
 * hold at mid-month, so the seasons change smoothly instead of jumping on the 1st.
 */
import redRiverDelta from '../data/red-river-delta-climate.json' with { type: 'json' };

export interface MonthNormals {
  readonly meanMaxC: number;
  readonly meanMinC: number;
  readonly meanRhPct: number;
  readonly sunshineH: number;
}

export interface ClimateNormals {
  readonly latDeg: number;
  readonly lonDeg: number;
  /** Local standard time; the Red River Delta has no daylight saving. */
  readonly utcOffsetH: number;
  /** January first. */
  readonly months: readonly MonthNormals[];
}

export interface DayNormals {
  readonly meanMaxC: number;
  readonly meanMinC: number;
  readonly meanRhPct: number;
  /** The month's sunshine spread over its days. */
  readonly sunshineHPerDay: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (month: number) => DAYS_IN_MONTH[month] as number;
const COLUMNS = ['month', 'mean_max_c', 'mean_min_c', 'mean_rh_pct', 'sunshine_h'] as const;

/** Validates the data file's shape, so a bad edit fails at start-up and not as NaN readings. */
export function parseClimateNormals(data: unknown): ClimateNormals {
  const doc = data as { location?: { lat?: unknown; lon?: unknown; utc_offset_h?: unknown }; columns?: unknown; monthly?: unknown };
  const { lat, lon, utc_offset_h: offset } = doc.location ?? {};
  if (typeof lat !== 'number' || typeof lon !== 'number' || typeof offset !== 'number') {
    throw new Error('climate normals: location needs numeric lat, lon and utc_offset_h');
  }
  const columns = Array.isArray(doc.columns) ? (doc.columns as unknown[]) : [];
  const index = COLUMNS.map((name) => columns.indexOf(name));
  if (index.some((i) => i < 0)) throw new Error(`climate normals: columns must include ${COLUMNS.join(', ')}`);
  const rows = Array.isArray(doc.monthly) ? (doc.monthly as unknown[]) : [];
  if (rows.length !== 12) throw new Error('climate normals: expected 12 monthly rows');
  const months = rows.map((row, m) => {
    const [month, max, min, rh, sun] = index.map((i) => (Array.isArray(row) ? (row[i] as unknown) : undefined));
    if (month !== m + 1 || [max, min, rh, sun].some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new Error(`climate normals: bad row for month ${m + 1}`);
    }
    return { meanMaxC: max as number, meanMinC: min as number, meanRhPct: rh as number, sunshineH: sun as number };
  });
  return { latDeg: lat, lonDeg: lon, utcOffsetH: offset, months };
}

/** Hanoi-station normals for the demo cooperative in Hải Dương. */
export const RED_RIVER_DELTA: ClimateNormals = parseClimateNormals(redRiverDelta);

/** Normals for the local day and time of `t`, interpolated between mid-months. */
export function normalsAt(normals: ClimateNormals, t: number): DayNormals {
  const local = new Date(t + normals.utcOffsetH * 3_600_000);
  const month = local.getUTCMonth();
  const days = new Date(Date.UTC(local.getUTCFullYear(), month + 1, 0)).getUTCDate();
  const dayFraction = (local.getUTCDate() - 1 + (local.getUTCHours() + local.getUTCMinutes() / 60) / 24) / days;
  // Months as a continuous axis where month i's normal sits at i.
  const position = month + dayFraction - 0.5;
  const i = Math.floor(position);
  const f = position - i;
  const a = normals.months[(i + 12) % 12] as MonthNormals;
  const b = normals.months[(i + 13) % 12] as MonthNormals;
  const lerp = (x: number, y: number) => x * (1 - f) + y * f;
  return {
    meanMaxC: lerp(a.meanMaxC, b.meanMaxC),
    meanMinC: lerp(a.meanMinC, b.meanMinC),
    meanRhPct: lerp(a.meanRhPct, b.meanRhPct),
    sunshineHPerDay: lerp(a.sunshineH / daysIn((i + 12) % 12), b.sunshineH / daysIn((i + 13) % 12)),
  };
}
