/**
 * What each principal may publish and subscribe to. Services may do anything; a device only
 * its own subtree of protocol v1 and its own firmware's topics. Checked on the raw topic and
 * filter, so a wildcard is judged as written, never expanded.
 */
import { buildTopic, parseTopic, type TopicKind } from '@canopy/core';
import { parseEsphomeTopic, type TasmotaTopicScheme } from '@canopy/core/node';
import type { Principal } from './authenticator.ts';

/**
 * Discovery chatter that stock firmware publishes by default (Tasmota's `tasmota/discovery/…`,
 * ESPHome's Home Assistant `homeassistant/…`). Refusing it would disconnect the board in a loop,
 * so it is accepted and then delivered to nobody.
 */
export function isDiscardedChatter(topic: string): boolean {
  return topic.startsWith('tasmota/discovery/') || topic.startsWith('homeassistant/');
}

export type PublishVerdict = 'allow' | 'discard' | 'deny';

/** The topics of its own subtree a device publishes to. */
const OWN_PUBLISH: ReadonlySet<TopicKind> = new Set(['telemetry', 'status', 'ack']);

export function publishVerdict(principal: Principal, topic: string, tasmota: TasmotaTopicScheme): PublishVerdict {
  // `$SYS` is the broker's own, even for services (a forged heartbeat would confuse Aedes).
  if (topic.startsWith('$SYS')) return 'deny';
  if (principal.kind === 'service') return 'allow';
  const { id, kind, topic: own } = principal.device;
  // One parse per publish: this runs in the broker's hook for every message.
  const canonical = parseTopic(topic);
  if (canonical && OWN_PUBLISH.has(canonical.kind) && 'deviceId' in canonical.params && canonical.params.deviceId === id) return 'allow';
  if (topic.startsWith('$') || topic.startsWith('canopy/') || own === null) return 'deny';
  if (kind === 'tasmota') {
    const parsed = tasmota.parse(topic);
    if (parsed && parsed.topic === own && parsed.prefix !== 'cmnd') return 'allow';
    return topic.startsWith('tasmota/discovery/') ? 'discard' : 'deny';
  }
  if (kind === 'esphome') {
    // A node's topics that another device's Tasmota scheme would also claim are not the node's to use.
    const parsed = parseEsphomeTopic(own, topic);
    if (parsed && !topic.endsWith('/command') && tasmota.parse(topic) === undefined) return 'allow';
    return topic.startsWith('homeassistant/') ? 'discard' : 'deny';
  }
  return 'deny';
}

export function maySubscribe(principal: Principal, filter: string, tasmota: TasmotaTopicScheme): boolean {
  if (principal.kind === 'service') return true;
  const { id, kind, topic: own } = principal.device;
  if (filter === buildTopic('cmd', { deviceId: id })) return true;
  if (own === null || filter.startsWith('$')) return false;
  if (kind === 'tasmota') {
    // Stock Tasmota subscribes to `cmnd/<topic>/#`; its group and fallback topics are refused.
    if (filter === tasmota.build('cmnd', own, '#')) return true;
    const parsed = tasmota.parse(filter);
    return parsed !== undefined && parsed.prefix === 'cmnd' && parsed.topic === own;
  }
  if (kind === 'esphome') {
    return parseEsphomeTopic(own, filter) !== undefined && !/[+#]/.test(filter) && filter.endsWith('/command');
  }
  return false;
}
