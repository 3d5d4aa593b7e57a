/**
 * Helpers for each service's `loadConfig(env)`: read a variable, validate it, and fail at
 * start-up with a message that names the variable.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly code = 'CANOPY_CONFIG';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function envString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envOptional(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envInt(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < range.min || n > range.max) throw new ConfigError(name, `expected ${range.min}–${range.max}, got ${n}`);
  return n;
}

export function envPort(env: Env, name: string, fallback: number): number {
  return envInt(env, name, fallback, { min: 0, max: 65_535 });
}

export function envUrl(env: Env, name: string): URL | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (!['http:', 'https:', 'mqtt:', 'mqtts:'].includes(url.protocol)) throw new Error('unsupported protocol');
    return url;
  } catch {
    throw new ConfigError(name, `expected an http(s) or mqtt(s) URL, got ${JSON.stringify(value)}`);
  }
}

export function envEnum<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value))
    throw new ConfigError(name, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}
