export const RANGES = {
  '1h': { ms: 3_600_000, raw: true },
  '24h': { ms: 86_400_000, raw: false },
  '7d': { ms: 7 * 86_400_000, raw: false },
  '30d': { ms: 30 * 86_400_000, raw: false },
} as const satisfies Record<string, { ms: number /** live readings drawn as they come, not folded into buckets */; raw: boolean }>;

export type RangeId = keyof typeof RANGES;

export const DEFAULT_RANGE: RangeId = '1h';

export function isRangeId(value: string | null | undefined): value is RangeId {
  return value != null && Object.hasOwn(RANGES, value);
}
