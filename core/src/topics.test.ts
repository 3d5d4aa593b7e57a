import { describe, expect, it } from 'vitest';
import { buildTopic, parseTopic, TopicError, topicFilter } from './topics.ts';

describe('topics', () => {
  it('builds and parses every kind symmetrically', () => {
    expect(buildTopic('telemetry', { deviceId: 'gh1-climate' })).toBe('canopy/v1/devices/gh1-climate/telemetry');
    expect(parseTopic('canopy/v1/devices/gh1-climate/telemetry')).toEqual({ kind: 'telemetry', params: { deviceId: 'gh1-climate' } });
    expect(parseTopic(buildTopic('live', { greenhouseId: 'gh-1' }))).toEqual({ kind: 'live', params: { greenhouseId: 'gh-1' } });
    for (const kind of ['status', 'cmd', 'ack'] as const) {
      expect(parseTopic(buildTopic(kind, { deviceId: 'd_1' }))).toEqual({ kind, params: { deviceId: 'd_1' } });
    }
  });

  it('refuses wildcards, separators and empty ids when building', () => {
    for (const bad of ['+', '#', 'a/b', '', '$SYS', 'x'.repeat(65)]) {
      expect(() => buildTopic('cmd', { deviceId: bad })).toThrow(TopicError);
    }
  });

  it('does not parse foreign or malformed topics', () => {
    expect(parseTopic('canopy/v2/devices/a/telemetry')).toBeUndefined();
    expect(parseTopic('canopy/v1/devices/a.b/telemetry')).toBeUndefined();
    expect(parseTopic('canopy/v1/devices/a/telemetry/extra')).toBeUndefined();
    expect(parseTopic('tele/tasmota/SENSOR')).toBeUndefined();
  });

  it('gives subscription filters with + per parameter', () => {
    expect(topicFilter('telemetry')).toBe('canopy/v1/devices/+/telemetry');
    expect(topicFilter('live')).toBe('canopy/v1/greenhouses/+/live');
  });
});
