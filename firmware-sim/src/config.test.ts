import { resolve } from 'node:path';
import { ConfigError } from '@canopy/core/node';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the local broker and the demo cooperative', () => {
    expect(loadConfig({})).toEqual({
      mqttUrl: 'mqtt://127.0.0.1:1883',
      devices: 18,
      intervalMs: 5_000,
      autoIrrigate: true,
      logLevel: 'info',
      data: { dataDir: resolve('./data') },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      MQTT_URL: 'mqtts://broker.example:8883',
      SIM_DEVICES: '0',
      SIM_INTERVAL_MS: '250',
      SIM_SEED: '42',
      SIM_AUTO_IRRIGATE: 'off',
      LOG_LEVEL: 'warn',
    });
    expect(config).toEqual({
      mqttUrl: 'mqtts://broker.example:8883',
      devices: 0,
      intervalMs: 250,
      seed: 42,
      autoIrrigate: false,
      logLevel: 'warn',
      data: { dataDir: resolve('./data') },
    });
  });

  it('follows MQTT_PORT like the other services when MQTT_URL is not set', () => {
    expect(loadConfig({ MQTT_PORT: '1884' }).mqttUrl).toBe('mqtt://127.0.0.1:1884');
  });

  it.each([
    ['MQTT_URL', 'http://127.0.0.1'],
    ['MQTT_URL', 'not a url'],
    ['SIM_DEVICES', '-1'],
    ['SIM_DEVICES', 'many'],
    ['SIM_INTERVAL_MS', '10'],
    ['SIM_SEED', '1.5'],
    ['SIM_AUTO_IRRIGATE', 'maybe'],
  ])('rejects %s=%s naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });
});
