import type { HistoryPoint } from '@canopy/core';

/** One drawn point: `mean` for the line, `band` = [min, max] for the shaded area; nulls break both at a gap. */
export interface ChartRow {
  t: number;
  mean: number | null;
  band: [number, number] | null;
}

/**
 * Rows for one series, with a break wherever readings stop for longer than `gapMs`, so a device
 * that was offline shows as a hole, not as a straight line across the night.
 */
export function toChartRows(points: readonly HistoryPoint[], gapMs: number): ChartRow[] {
  const rows: ChartRow[] = [];
  let previous: number | undefined;
  for (const [t, mean, min, max] of points) {
    if (previous !== undefined && t - previous > gapMs) rows.push({ t: (previous + t) / 2, mean: null, band: null });
    rows.push({ t, mean, band: [min, max] });
    previous = t;
  }
  return rows;
}

/** A band is worth drawing only where buckets hold more than one sample. */
export function hasSpread(points: readonly HistoryPoint[]): boolean {
  return points.some(([, , min, max]) => max > min);
}

/** A silence longer than this is a gap: three buckets, and never under five minutes since raw devices report at their own pace. */
export function gapThresholdMs(stepMs: number): number {
  return Math.max(3 * stepMs, 5 * 60_000);
}

/**
 * Round value-axis ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) spanning [min, max], about `count` of them.
 * Recharts' own 'auto' domain leaves steps like 0,07 once series carry their own data.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max - min < 1e-9) {
    // A flat line gets a band of ±1 unit of its magnitude, not reaching below zero for a quantity that never does (light at night).
    const pad = Math.abs(min) > 1 ? 10 ** Math.floor(Math.log10(Math.abs(min))) : 1;
    return niceTicks(min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad, count);
  }
  const rough = (max - min) / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  // Rounding to the step's precision keeps 0.1 + 0.2 from showing up as 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let t = Math.floor(min / step) * step; t < max + step; t += step) {
    ticks.push(Number(t.toFixed(decimals)));
    if (t >= max) break;
  }
  return ticks;
}
