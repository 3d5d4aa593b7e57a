/** Logging shared by the services: pino, plus a limiter so a misbehaving device cannot flood the log. */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { name: string; level?: string }): Logger {
  return pino({ name: options.name, level: options.level ?? 'info' });
}

export interface RateLimitedLog {
  /** Logs a warning at most once per interval per key; the next one says how many were suppressed. */
  warn(key: string, obj: object, msg: string): void;
}

export function createRateLimitedLog(logger: Logger, options: { intervalMs: number; now?: () => number }): RateLimitedLog {
  const now = options.now ?? Date.now;
  const last = new Map<string, { at: number; suppressed: number }>();
  return {
    warn(key, obj, msg) {
      const t = now();
      const entry = last.get(key);
      if (entry && t - entry.at < options.intervalMs) {
        entry.suppressed += 1;
        return;
      }
      logger.warn({ ...obj, suppressed: entry?.suppressed ?? 0 }, msg);
      // Bounded: keys are reasons, not device ids, so the map stays small.
      last.set(key, { at: t, suppressed: 0 });
    },
  };
}
