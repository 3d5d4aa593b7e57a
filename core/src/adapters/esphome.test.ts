import { describe, expect, it } from 'vitest';
import { utcOffsetMinutes } from '../timeZone.ts';
import { parseEsphomeState, parseEsphomeStatus, parseEsphomeTopic } from './esphome.ts';
import { DEFAULT_MAPPINGS, mappingProblem } from './mapping.ts';

describe('ESPHome', () => {
  it('reads sensor state topics and plain values, ignoring None and nan', () => {
    expect(parseEsphomeTopic('node1', 'node1/sensor/temperature/state')).toEqual({ kind: 'sensor', objectId: 'temperature' });
    expect(parseEsphomeTopic('node1', 'node1/status')).toEqual({ kind: 'status' });
    expect(parseEsphomeTopic('node1', 'node1/switch/pump/state')).toEqual({ kind: 'other' });
    expect(parseEsphomeTopic('node1', 'node2/status')).toBeUndefined();
    const m = DEFAULT_MAPPINGS.esphome;
    expect(parseEsphomeState('temperature', '23.7', m, 5)).toEqual({ ts: 5, m: { air_temp_c: 23.7 } });
    expect(parseEsphomeState('temperature', 'nan', m, 5)).toBeUndefined();
    expect(parseEsphomeState('humidity', 'None', m, 5)).toBeUndefined();
    expect(parseEsphomeState('uptime', '12', m, 5)).toBeUndefined();
    expect(parseEsphomeStatus('online')).toBe('online');
    expect(parseEsphomeStatus('offline')).toBe('offline');
  });
});

describe('mappings and time zones', () => {
  it('accepts canonical measured metrics only', () => {
    expect(mappingProblem({ 'BME280.Temperature': 'air_temp_c', x: 'soil_temp_c.2' })).toBeUndefined();
    expect(mappingProblem({ x: 'air_vpd_kpa' })).toMatch(/derived/);
    expect(mappingProblem({ x: 'temperature' })).toMatch(/unknown metric/);
  });

  it('finds the UTC offset of a time zone at an instant', () => {
    expect(utcOffsetMinutes('Asia/Ho_Chi_Minh', Date.UTC(2024, 0, 1))).toBe(420);
    expect(utcOffsetMinutes('Europe/Berlin', Date.UTC(2024, 6, 1))).toBe(120);
    expect(utcOffsetMinutes('Not/AZone', 0)).toBeUndefined();
  });
});
