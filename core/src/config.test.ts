import { describe, expect, it } from 'vitest';
import { ConfigError, envInt, envPort, envUrl } from './config.ts';
import { loadDataConfig } from './dataConfig.ts';

describe('config helpers', () => {
  it('name the variable in every error', () => {
    expect(() => envPort({ HTTP_PORT: 'eighty' }, 'HTTP_PORT', 8080)).toThrow(/HTTP_PORT: expected a whole number/);
    expect(() => envPort({ MQTT_PORT: '70000' }, 'MQTT_PORT', 1883)).toThrow(/MQTT_PORT: expected 0–65535/);
    expect(() => envUrl({ INFLUX_URL: 'not a url' }, 'INFLUX_URL')).toThrow(ConfigError);
  });

  it('falls back on unset or blank values', () => {
    expect(envInt({}, 'X', 5, { min: 0, max: 9 })).toBe(5);
    expect(envInt({ X: '  ' }, 'X', 5, { min: 0, max: 9 })).toBe(5);
    expect(envInt({ X: '7' }, 'X', 5, { min: 0, max: 9 })).toBe(7);
  });

  it('chooses the embedded store unless INFLUX_URL is set', () => {
    expect(loadDataConfig({ DATA_DIR: '/tmp/canopy' })).toEqual({ dataDir: '/tmp/canopy' });
    const influx = loadDataConfig({ INFLUX_URL: 'http://127.0.0.1:8086', INFLUX_TOKEN: 't' });
    expect(influx.influx?.database).toBe('canopy');
    expect(influx.influx?.token).toBe('t');
    expect(influx.influx?.gzip).toBe(false);
    expect(loadDataConfig({ INFLUX_URL: 'http://x', INFLUX_GZIP: 'true' }).influx?.gzip).toBe(true);
    expect(() => loadDataConfig({ INFLUX_URL: 'http://x', INFLUX_GZIP: 'yes' })).toThrow(/INFLUX_GZIP/);
    expect(() => loadDataConfig({ INFLUX_URL: 'ftp://x' })).toThrow(/INFLUX_URL/);
    expect(() => loadDataConfig({ INFLUX_URL: 'http://x', INFLUX_DATABASE: "a'b" })).toThrow(/INFLUX_DATABASE/);
  });
});
