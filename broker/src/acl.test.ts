import { type DeviceAuthRecord, tasmotaTopicScheme } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { maySubscribe, publishVerdict } from './acl.ts';
import type { Principal } from './authenticator.ts';

const record = (id: string, kind: DeviceAuthRecord['kind'], topic: string | null): DeviceAuthRecord => ({
  id,
  kind,
  topic,
  secretHash: 'x',
  mapping: null,
  utcOffsetMin: null,
  timeZone: 'Asia/Ho_Chi_Minh',
  credentialsVersion: 1,
});
const device = (id: string, kind: DeviceAuthRecord['kind'] = 'canopy', topic: string | null = null): Principal => ({
  kind: 'device',
  device: record(id, kind, topic),
});
const tasmota = tasmotaTopicScheme();

describe('publish ACL', () => {
  it('keeps a device to its own subtree', () => {
    const a = device('dev-a');
    expect(publishVerdict(a, 'canopy/v1/devices/dev-a/telemetry', tasmota)).toBe('allow');
    expect(publishVerdict(a, 'canopy/v1/devices/dev-a/status', tasmota)).toBe('allow');
    expect(publishVerdict(a, 'canopy/v1/devices/dev-a/ack', tasmota)).toBe('allow');
    for (const topic of [
      'canopy/v1/devices/dev-b/telemetry',
      'canopy/v1/devices/dev-a/cmd',
      'canopy/v1/greenhouses/gh-1/live',
      '$SYS/x',
      'tele/dev-a/SENSOR',
      '',
    ])
      expect(publishVerdict(a, topic, tasmota)).toBe('deny');
  });

  it('lets firmware use its own adapter topics and discards its discovery chatter', () => {
    const t = device('dev-t', 'tasmota', 'greenhouse3');
    expect(publishVerdict(t, 'tele/greenhouse3/SENSOR', tasmota)).toBe('allow');
    expect(publishVerdict(t, 'stat/greenhouse3/RESULT', tasmota)).toBe('allow');
    expect(publishVerdict(t, 'cmnd/greenhouse3/POWER1', tasmota)).toBe('deny');
    expect(publishVerdict(t, 'tele/other/SENSOR', tasmota)).toBe('deny');
    expect(publishVerdict(t, 'tasmota/discovery/AABBCC/config', tasmota)).toBe('discard');
    const e = device('dev-e', 'esphome', 'node1');
    expect(publishVerdict(e, 'node1/sensor/temperature/state', tasmota)).toBe('allow');
    expect(publishVerdict(e, 'node1/status', tasmota)).toBe('allow');
    expect(publishVerdict(e, 'node1/switch/pump/command', tasmota)).toBe('deny');
    expect(publishVerdict(e, 'node2/status', tasmota)).toBe('deny');
    expect(publishVerdict(e, 'homeassistant/sensor/node1/t/config', tasmota)).toBe('discard');
  });

  it('lets services publish anything, commands and live fan-out included', () => {
    expect(publishVerdict({ kind: 'service' }, 'canopy/v1/devices/dev-a/cmd', tasmota)).toBe('allow');
    expect(publishVerdict({ kind: 'service' }, 'canopy/v1/greenhouses/gh-1/live', tasmota)).toBe('allow');
  });

  it('follows a changed Tasmota FullTopic', () => {
    const scheme = tasmotaTopicScheme('farm/%topic%/%prefix%/');
    const t = device('dev-t', 'tasmota', 'gh3');
    expect(publishVerdict(t, 'farm/gh3/tele/SENSOR', scheme)).toBe('allow');
    expect(publishVerdict(t, 'tele/gh3/SENSOR', scheme)).toBe('deny');
  });
});

describe('subscribe ACL', () => {
  it('gives a device its own command topic and nothing wider', () => {
    const a = device('dev-a');
    expect(maySubscribe(a, 'canopy/v1/devices/dev-a/cmd', tasmota)).toBe(true);
    for (const filter of ['#', '$SYS/#', 'canopy/v1/devices/+/cmd', 'canopy/v1/devices/dev-b/cmd', 'canopy/v1/devices/dev-a/#', '+/+/+'])
      expect(maySubscribe(a, filter, tasmota)).toBe(false);
  });

  it('gives stock firmware its own command topics only', () => {
    const t = device('dev-t', 'tasmota', 'gh3');
    expect(maySubscribe(t, 'cmnd/gh3/#', tasmota)).toBe(true);
    expect(maySubscribe(t, 'cmnd/tasmotas/#', tasmota)).toBe(false);
    expect(maySubscribe(t, 'cmnd/+/#', tasmota)).toBe(false);
    const e = device('dev-e', 'esphome', 'node1');
    expect(maySubscribe(e, 'node1/switch/pump/command', tasmota)).toBe(true);
    expect(maySubscribe(e, 'node1/#', tasmota)).toBe(false);
    expect(maySubscribe(e, 'homeassistant/status', tasmota)).toBe(false);
  });
});
