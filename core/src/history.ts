/** How a history range is cut into buckets, shared by both stores and the API. */
export const MAX_BUCKETS = 1_000;

/** Bucket widths a person can read on a chart axis, smallest first. */
const NICE_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 1_209_600, 2_592_000,
  7_776_000, 31_536_000,
].map((s) => s * 1_000);

/** The smallest nice step that keeps [from, to) within MAX_BUCKETS buckets aligned to the epoch. */
export function chooseStepMs(fromMs: number, toMs: number, minStepMs = 10_000): number {
  const span = Math.max(1, toMs - fromMs);
  for (const step of NICE_STEPS_MS) {
    // +1: a range not aligned to the step touches one bucket more than span / step.
    if (step >= minStepMs && Math.ceil(span / step) + 1 <= MAX_BUCKETS) return step;
  }
  return Math.ceil(span / (MAX_BUCKETS - 1));
}

/** [bucket start, mean, min, max] */
export type HistoryPoint = [number, number, number, number];

export interface HistorySeries {
  metric: string;
  device?: string;
  points: HistoryPoint[];
}
