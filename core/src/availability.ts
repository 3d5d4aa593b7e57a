/**
 * Whether a device is online, stale or offline. Online/offline is what its retained status and
 * last will say; a device that stays connected but has sent no telemetry for 3× its usual
 * interval is stale — a hung sensor bus or a full queue looks exactly like that.
 */
export type Availability = 'online' | 'stale' | 'offline';

export const STALE_AFTER_INTERVALS = 3;

export function deviceAvailability(input: {
  /** Its status topic says online. */
  readonly connected: boolean;
  /** When that status arrived, epoch ms. */
  readonly connectedSince: number | undefined;
  /** Newest telemetry, epoch ms. */
  readonly lastSeen: number | null;
  readonly intervalS: number;
  readonly now: number;
}): Availability {
  if (!input.connected) return 'offline';
  const heardAt = Math.max(input.lastSeen ?? Number.NEGATIVE_INFINITY, input.connectedSince ?? Number.NEGATIVE_INFINITY);
  return input.now - heardAt > STALE_AFTER_INTERVALS * input.intervalS * 1_000 ? 'stale' : 'online';
}
