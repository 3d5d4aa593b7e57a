/**
 * Brute-force brake for login: failed attempts are counted per IP and identifier in a fixed
 * window, and per IP alone (with a larger allowance) so that spraying one password over many
 * identifiers is caught too. Successful logins do not count. In memory per API node: an
 * attacker spread over nodes gets at most (nodes × limit) tries per window.
 */
export interface LoginThrottle {
  /** Milliseconds until the next attempt is allowed, or 0. */
  retryAfterMs(ip: string, identifier: string, now?: number): number;
  recordFailure(ip: string, identifier: string, now?: number): void;
}

interface Window {
  start: number;
  failures: number;
}

/** An IP may fail this many times more over all identifiers than on one (a shared farm Wi-Fi). */
const PER_IP_FACTOR = 10;
const MAX_TRACKED = 100_000;

export function createLoginThrottle(options: { maxAttempts: number; windowMs: number }): LoginThrottle {
  const windows = new Map<string, Window>();

  function current(key: string, now: number): Window | undefined {
    const w = windows.get(key);
    if (w && now - w.start >= options.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return w;
  }

  function blockedFor(key: string, limit: number, now: number): number {
    const w = current(key, now);
    return w && w.failures >= limit ? w.start + options.windowMs - now : 0;
  }

  function bump(key: string, now: number): void {
    const w = current(key, now);
    if (w) w.failures += 1;
    else {
      // Bounded memory under a flood of made-up identifiers: forget the oldest windows.
      if (windows.size >= MAX_TRACKED) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(key, { start: now, failures: 1 });
    }
  }

  return {
    retryAfterMs(ip, identifier, now = Date.now()) {
      return Math.max(
        blockedFor(`${ip}\n${identifier}`, options.maxAttempts, now),
        blockedFor(ip, options.maxAttempts * PER_IP_FACTOR, now),
      );
    },
    recordFailure(ip, identifier, now = Date.now()) {
      bump(`${ip}\n${identifier}`, now);
      bump(ip, now);
    },
  };
}
