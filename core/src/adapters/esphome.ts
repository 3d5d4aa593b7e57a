/**
 * ESPHome's MQTT scheme, translated to protocol v1: `<node>/sensor/<object_id>/state` with the
 * value as plain text, and `<node>/status` `online`/`offline` (birth message and last will).
 * `<node>` is the node's `topic_prefix`, by default its name.
 */
import type { FieldMapping } from './mapping.ts';
import type { AdapterReading } from './tasmota.ts';

export type EsphomeMessage =
  | { readonly kind: 'sensor'; readonly objectId: string }
  | { readonly kind: 'status' }
  | { readonly kind: 'other' };

/** What an MQTT topic of node `node` carries; undefined when it is not the node's. */
export function parseEsphomeTopic(node: string, topic: string): EsphomeMessage | undefined {
  if (!topic.startsWith(`${node}/`)) return undefined;
  const rest = topic.slice(node.length + 1).split('/');
  if (rest.length === 1 && rest[0] === 'status') return { kind: 'status' };
  if (rest.length === 3 && rest[0] === 'sensor' && rest[2] === 'state' && rest[1]) return { kind: 'sensor', objectId: rest[1] };
  return { kind: 'other' };
}

/** Values ESPHome sends for a sensor without a reading. */
const NO_VALUE = new Set(['nan', 'none', 'unknown', 'unavailable', '']);

export function parseEsphomeState(
  objectId: string,
  payload: string,
  mapping: FieldMapping,
  receivedAt: number,
): AdapterReading | undefined {
  const metric = mapping[objectId];
  const text = payload.trim();
  if (metric === undefined || NO_VALUE.has(text.toLowerCase())) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  return { ts: receivedAt, m: { [metric]: value } };
}

export function parseEsphomeStatus(payload: string): 'online' | 'offline' | undefined {
  const text = payload.trim();
  return text === 'online' || text === 'offline' ? text : undefined;
}
