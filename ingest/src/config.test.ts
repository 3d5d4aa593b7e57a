import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const base = { DATA_DIR: '/tmp/canopy-ingest-config-test', MQTT_SERVICE_USERNAME: 'svc', MQTT_SERVICE_PASSWORD: 'svc-password-123' };

describe('ingest config', () => {
  it('refuses a device-timestamp window that reaches past raw retention', () => {
    expect(loadConfig({ ...base, INGEST_MAX_AGE_S: String(8 * 86_400), RETENTION_RAW_DAYS: '10' }).maxAgeMs).toBe(8 * 86_400_000);
    expect(() => loadConfig({ ...base, INGEST_MAX_AGE_S: String(10 * 86_400), RETENTION_RAW_DAYS: '10' })).toThrow(/INGEST_MAX_AGE_S/);
    expect(() => loadConfig({ ...base, RETENTION_RAW_DAYS: '7' })).toThrow(/RETENTION_RAW_DAYS \(7 days\)/);
    // Raw data kept for ever: any window.
    expect(loadConfig({ ...base, INGEST_MAX_AGE_S: String(365 * 86_400), RETENTION_RAW_DAYS: '0', RETENTION_1M_DAYS: '0' }).maxAgeMs).toBe(
      365 * 86_400_000,
    );
  });
});
