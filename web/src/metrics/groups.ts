import { METRICS, type MetricName, parseMetricKey } from '@canopy/core';

/** Charts on the greenhouse page, in display order; each shows the metrics a grower reads together. */
export const CHART_GROUPS = [
  { id: 'temperature', metrics: ['air_temp_c', 'leaf_temp_c', 'soil_temp_c', 'water_temp_c', 'dew_point_c'] },
  { id: 'humidity', metrics: ['rh_pct'] },
  { id: 'vpd', metrics: ['air_vpd_kpa'] },
  { id: 'light', metrics: ['ppfd_umol_m2_s', 'illuminance_lux'] },
  { id: 'substrate', metrics: ['soil_moisture_pct'] },
  { id: 'nutrients', metrics: ['ec_ms_cm', 'ph'] },
  { id: 'water', metrics: ['water_flow_l_min', 'tank_level_pct'] },
  { id: 'co2', metrics: ['co2_ppm'] },
] as const satisfies ReadonlyArray<{ id: string; metrics: readonly MetricName[] }>;

export type GroupId = (typeof CHART_GROUPS)[number]['id'];

const GROUP_OF = new Map<string, GroupId>(CHART_GROUPS.flatMap((g) => g.metrics.map((m) => [m, g.id] as const)));

/** The chart a metric key belongs to; undefined for device diagnostics (battery, signal) and unknown keys. */
export function groupOf(key: string): GroupId | undefined {
  const parsed = parseMetricKey(key);
  return parsed && GROUP_OF.get(parsed.metric);
}

/** The readings a farmer checks first, shown large on the overview card. */
export const KEY_METRICS: readonly MetricName[] = ['air_temp_c', 'rh_pct', 'air_vpd_kpa', 'soil_moisture_pct'];

const ORDER = new Map(Object.keys(METRICS).map((name, i) => [name, i]));

/** Vocabulary order, then channel; unknown keys last, alphabetically. */
export function compareMetricKeys(a: string, b: string): number {
  const pa = parseMetricKey(a);
  const pb = parseMetricKey(b);
  const oa = pa ? (ORDER.get(pa.metric) ?? 0) : Number.POSITIVE_INFINITY;
  const ob = pb ? (ORDER.get(pb.metric) ?? 0) : Number.POSITIVE_INFINITY;
  if (oa !== ob) return oa - ob;
  if (pa && pb && pa.channel !== pb.channel) return pa.channel - pb.channel;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Groups that have at least one of `keys`, in display order, each with its keys sorted. */
export function groupKeys(keys: Iterable<string>): Array<{ id: GroupId; keys: string[] }> {
  const byGroup = new Map<GroupId, string[]>();
  for (const key of keys) {
    const id = groupOf(key);
    if (id) byGroup.set(id, [...(byGroup.get(id) ?? []), key]);
  }
  return CHART_GROUPS.filter((g) => byGroup.has(g.id)).map((g) => ({ id: g.id, keys: (byGroup.get(g.id) ?? []).sort(compareMetricKeys) }));
}
