import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPINGS } from './mapping.ts';
import { parseTasmotaLwt, parseTasmotaResult, parseTasmotaSensor, tasmotaCommand } from './tasmota.ts';
import { tasmotaTopicScheme } from './tasmotaTopics.ts';

const mapping = DEFAULT_MAPPINGS.tasmota;
// 2024-06-01T12:00:00 at UTC+7 is 05:00 UTC.
const arrival = Date.UTC(2024, 5, 1, 5, 0, 30);
const ctx = { mapping, utcOffsetMin: 420, receivedAt: arrival, maxSkewMs: 300_000 };

describe('Tasmota SENSOR', () => {
  it('maps sensor blocks to canonical metrics, reading Time in the board’s offset', () => {
    // Shapes as documented for Tasmota's BME280, DS18B20 (several probes), BH1750 and ADC moisture.
    const payload = JSON.stringify({
      Time: '2024-06-01T12:00:00',
      BME280: { Temperature: 28.4, Humidity: 71.2, DewPoint: 22.6, Pressure: 1008.2 },
      'DS18B20-1': { Id: '01144A0CB2AA', Temperature: 24.1 },
      'DS18B20-2': { Id: '0114514C7CAA', Temperature: 23.5 },
      BH1750: { Illuminance: 35_000 },
      ANALOG: { Moisture: 41 },
      PressureUnit: 'hPa',
      TempUnit: 'C',
    });
    expect(parseTasmotaSensor(payload, ctx)).toEqual({
      reading: {
        ts: Date.UTC(2024, 5, 1, 5, 0, 0),
        m: { air_temp_c: 28.4, rh_pct: 71.2, soil_temp_c: 24.1, 'soil_temp_c.2': 23.5, illuminance_lux: 35_000, soil_moisture_pct: 41 },
      },
      clockSkew: false,
    });
  });

  it('honours TempUnit F and the AM2301, SHT3X and single DS18B20 blocks', () => {
    const payload = '{"Time":"2024-06-01T12:00:10","AM2301":{"Temperature":82.4,"Humidity":60.0,"DewPoint":66.9},"TempUnit":"F"}';
    expect(parseTasmotaSensor(payload, ctx).reading?.m).toEqual({ air_temp_c: 28, rh_pct: 60 });
    const sht = '{"Time":"2024-06-01T12:00:10","SHT3X":{"Temperature":25.0,"Humidity":50.0},"DS18B20":{"Temperature":20.5},"TempUnit":"C"}';
    expect(parseTasmotaSensor(sht, ctx).reading?.m).toEqual({ air_temp_c: 25, rh_pct: 50, soil_temp_c: 20.5 });
  });

  it('uses the arrival time and flags clock skew when Time is off or missing', () => {
    const off = parseTasmotaSensor('{"Time":"1970-01-01T00:00:12","BH1750":{"Illuminance":10}}', ctx);
    expect(off).toEqual({ reading: { ts: arrival, m: { illuminance_lux: 10 } }, clockSkew: true });
    expect(parseTasmotaSensor('{"BH1750":{"Illuminance":10}}', ctx).clockSkew).toBe(true);
  });

  it('follows a device’s own mapping and ignores what it does not map', () => {
    const own = { 'SHT3X.Temperature': 'leaf_temp_c' };
    expect(
      parseTasmotaSensor('{"Time":"2024-06-01T12:00:00","SHT3X":{"Temperature":26,"Humidity":50}}', { ...ctx, mapping: own }).reading?.m,
    ).toEqual({
      leaf_temp_c: 26,
    });
    expect(parseTasmotaSensor('{"Time":"2024-06-01T12:00:00","ENERGY":{"Power":5}}', ctx)).toEqual({ clockSkew: false });
    expect(parseTasmotaSensor('not json', ctx)).toEqual({ clockSkew: false });
  });
});

describe('Tasmota LWT, RESULT and commands', () => {
  it('reads availability and relay states', () => {
    expect(parseTasmotaLwt('Online')).toBe('online');
    expect(parseTasmotaLwt('Offline')).toBe('offline');
    expect(parseTasmotaLwt('maybe')).toBeUndefined();
    expect(parseTasmotaResult('{"POWER1":"ON"}')).toEqual([{ relay: 1, state: 'on' }]);
    expect(parseTasmotaResult('{"POWER":"OFF","POWER2":"ON"}')).toEqual([
      { relay: 1, state: 'off' },
      { relay: 2, state: 'on' },
    ]);
  });

  it('turns a command into POWER<n>, refusing what Tasmota cannot do safely', () => {
    const base = { id: 'c-1', ts: 1_000_000_000_000, expires_at: 1_000_000_060_000, actuator: 'valve_2', action: 'on' as const };
    expect(tasmotaCommand(base, 1_000_000_001_000)).toEqual({ suffix: 'POWER2', payload: 'ON' });
    expect(tasmotaCommand({ ...base, action: 'off', actuator: 'fan' }, 1_000_000_001_000)).toEqual({ suffix: 'POWER1', payload: 'OFF' });
    expect(tasmotaCommand(base, 1_000_000_061_000)).toEqual({ error: 'expired' });
    expect(tasmotaCommand({ ...base, duration_s: 60 }, 1_000_000_001_000)).toEqual({ error: 'duration_unsupported' });
  });
});

describe('Tasmota topics', () => {
  it('builds and parses the default and a changed FullTopic', () => {
    const scheme = tasmotaTopicScheme();
    expect(scheme.build('cmnd', 'gh3', 'POWER1')).toBe('cmnd/gh3/POWER1');
    expect(scheme.parse('tele/gh3/SENSOR')).toEqual({ prefix: 'tele', topic: 'gh3', suffix: 'SENSOR' });
    expect(scheme.parse('tele/gh3/x/SENSOR')).toBeUndefined();
    const custom = tasmotaTopicScheme('coop/%topic%/%prefix%');
    expect(custom.build('stat', 'gh3', 'RESULT')).toBe('coop/gh3/stat/RESULT');
    expect(custom.parse('coop/gh3/tele/LWT')).toEqual({ prefix: 'tele', topic: 'gh3', suffix: 'LWT' });
    expect(() => tasmotaTopicScheme('%topic%/')).toThrow(/%prefix%/);
  });
});
