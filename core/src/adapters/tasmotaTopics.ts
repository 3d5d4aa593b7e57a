/**
 * Tasmota's topic scheme. A board builds every topic from its FullTopic (default
 * `%prefix%/%topic%/`), a prefix (`cmnd`, `stat`, `tele`) and a suffix (`SENSOR`, `POWER1`…).
 * Users change FullTopic, so the pattern is configuration.
 */

export const DEFAULT_TASMOTA_FULLTOPIC = '%prefix%/%topic%/';
export const TASMOTA_PREFIXES = ['cmnd', 'stat', 'tele'] as const;
export type TasmotaPrefix = (typeof TASMOTA_PREFIXES)[number];

export interface TasmotaTopic {
  readonly prefix: TasmotaPrefix;
  readonly topic: string;
  readonly suffix: string;
}

export interface TasmotaTopicScheme {
  readonly fullTopic: string;
  build(prefix: TasmotaPrefix, topic: string, suffix: string): string;
  parse(mqttTopic: string): TasmotaTopic | undefined;
}

export class TasmotaPatternError extends Error {
  readonly code = 'CANOPY_TASMOTA_FULLTOPIC';
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function tasmotaTopicScheme(fullTopic: string = DEFAULT_TASMOTA_FULLTOPIC): TasmotaTopicScheme {
  // Tasmota appends the missing trailing slash itself.
  const pattern = fullTopic.endsWith('/') ? fullTopic : `${fullTopic}/`;
  const count = (token: string) => pattern.split(token).length - 1;
  if (count('%prefix%') !== 1 || count('%topic%') !== 1)
    throw new TasmotaPatternError(`FullTopic needs %prefix% and %topic% once each: ${JSON.stringify(fullTopic)}`);
  if (/[+#]/.test(pattern) || pattern.startsWith('/') || pattern.startsWith('$'))
    throw new TasmotaPatternError(`FullTopic may not hold wildcards or start with / or $: ${JSON.stringify(fullTopic)}`);
  const order: Array<'prefix' | 'topic'> =
    pattern.indexOf('%prefix%') < pattern.indexOf('%topic%') ? ['prefix', 'topic'] : ['topic', 'prefix'];
  const source = escapeRegex(pattern)
    .replace('%prefix%', `(${TASMOTA_PREFIXES.join('|')})`)
    .replace('%topic%', '([A-Za-z0-9_-]{1,64})');
  const regex = new RegExp(`^${source}([A-Za-z0-9_-]{1,32})$`);
  return {
    fullTopic: pattern,
    build: (prefix, topic, suffix) => `${pattern.replace('%prefix%', prefix).replace('%topic%', topic)}${suffix}`,
    parse(mqttTopic) {
      const match = regex.exec(mqttTopic);
      if (!match) return undefined;
      const values = { [order[0] as string]: match[1], [order[1] as string]: match[2] };
      return { prefix: values.prefix as TasmotaPrefix, topic: values.topic as string, suffix: match[3] as string };
    },
  };
}
