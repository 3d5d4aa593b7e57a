/**
 * `raw`: live readings drawn as they come, not folded into buckets. `exportAs`: the CSV download's
 * resolution, fine enough for the chart's span and small enough for a phone (30 days raw would be ~100 MB).
 */
export const RANGES = {
  '1h': { ms: 3_600_000, raw: true, exportAs: 'raw' },
  '24h': { ms: 86_400_000, raw: false, exportAs: '1m' },
  '7d': { ms: 7 * 86_400_000, raw: false, exportAs: '1h' },
  '30d': { ms: 30 * 86_400_000, raw: false, exportAs: '1h' },
} as const satisfies Record<string, { ms: number; raw: boolean; exportAs: 'raw' | '1m' | '1h' | '1d' }>;

export type RangeId = keyof typeof RANGES;

export const DEFAULT_RANGE: RangeId = '1h';

export function isRangeId(value: string | null | undefined): value is RangeId {
  return value != null && Object.hasOwn(RANGES, value);
}
