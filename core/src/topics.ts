/**
 * The one place MQTT topics are built and parsed. Every topic of protocol v1 is a pattern here;
 * services ask for `buildTopic('telemetry', { deviceId })` and never concatenate strings.
 */
export const TOPIC_ROOT = 'canopy/v1';

export const TOPICS = {
  telemetry: 'devices/{deviceId}/telemetry',
  status: 'devices/{deviceId}/status',
  cmd: 'devices/{deviceId}/cmd',
  ack: 'devices/{deviceId}/ack',
  /** Accepted readings fanned out by ingest to every API node. */
  live: 'greenhouses/{greenhouseId}/live',
} as const;

export type TopicKind = keyof typeof TOPICS;

type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never;
export type TopicParams<K extends TopicKind> = { readonly [N in ParamNames<(typeof TOPICS)[K]>]: string };
export type ParsedTopic = { [K in TopicKind]: { kind: K; params: TopicParams<K> } }[TopicKind];

/** Ids that may stand in a topic level: no wildcards, separators or `$`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export class TopicError extends Error {
  readonly code = 'CANOPY_TOPIC';
}

export function buildTopic<K extends TopicKind>(kind: K, params: TopicParams<K>): string {
  const values = params as Readonly<Record<string, string>>;
  const levels = TOPICS[kind].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || !isValidId(value)) throw new TopicError(`invalid ${name} for topic ${kind}: ${JSON.stringify(value)}`);
    return value;
  });
  return `${TOPIC_ROOT}/${levels}`;
}

/** The subscription filter matching every topic of a kind (`+` at each parameter). */
export function topicFilter(kind: TopicKind): string {
  return `${TOPIC_ROOT}/${TOPICS[kind].replace(/\{\w+\}/g, '+')}`;
}

const MATCHERS = (Object.keys(TOPICS) as TopicKind[]).map((kind) => {
  const names: string[] = [];
  const source = TOPICS[kind].replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([A-Za-z0-9_-]{1,64})';
  });
  return { kind, names, regex: new RegExp(`^${TOPIC_ROOT}/${source}$`) };
});

export function parseTopic(topic: string): ParsedTopic | undefined {
  for (const { kind, names, regex } of MATCHERS) {
    const match = regex.exec(topic);
    if (!match) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = match[i + 1] as string;
    });
    return { kind, params } as ParsedTopic;
  }
  return undefined;
}
