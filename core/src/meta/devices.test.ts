import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoCooperative } from '../demo.ts';
import { type MetaDb, openMetaDb } from './database.ts';
import { deviceSecretMatches } from './deviceSecrets.ts';
import { type DeviceError, getDeviceDetails, listDeviceAuth, provisionDevice, revokeDeviceSecret, rotateDeviceSecret } from './devices.ts';
import { seedDemo } from './seedDemo.ts';

describe('device registry', () => {
  let db: MetaDb;
  beforeEach(async () => {
    db = await openMetaDb({ file: ':memory:' });
    await seedDemo(db, demoCooperative(3), { intervalS: 5 });
  });
  afterEach(() => db.destroy());

  it('issues a secret once and keeps only its hash', async () => {
    const { id, mqtt } = await provisionDevice(db, { greenhouseId: 'gh-1', name: 'T', kind: 'tasmota', topic: 'gh1-t' });
    expect(mqtt).toMatchObject({ username: id, clientId: id });
    const [auth] = await listDeviceAuth(db, { ids: [id] });
    expect(auth).toMatchObject({ kind: 'tasmota', topic: 'gh1-t', timeZone: 'Asia/Ho_Chi_Minh' });
    expect(deviceSecretMatches(mqtt.password, auth?.secretHash ?? '')).toBe(true);
    expect(deviceSecretMatches(`${mqtt.password}x`, auth?.secretHash ?? '')).toBe(false);
    expect(await getDeviceDetails(db, id)).toMatchObject({ greenhouseId: 'gh-1', intervalS: 300, hasSecret: true });
  });

  it('raises the credentials version on every change, so a poll finds exactly the changed devices', async () => {
    const a = await provisionDevice(db, { greenhouseId: 'gh-1', name: 'A', kind: 'canopy' });
    const b = await provisionDevice(db, { greenhouseId: 'gh-1', name: 'B', kind: 'canopy' });
    const since = Math.max(...(await listDeviceAuth(db)).map((r) => r.credentialsVersion));
    const rotated = await rotateDeviceSecret(db, a.id);
    expect(rotated?.password).not.toBe(a.mqtt.password);
    expect(await revokeDeviceSecret(db, b.id)).toBe(true);
    const changed = await listDeviceAuth(db, { sinceVersion: since });
    expect(changed.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(changed.find((r) => r.id === b.id)?.secretHash).toBeNull();
    expect(await rotateDeviceSecret(db, 'nope')).toBeUndefined();
  });

  it('refuses bad input and a taken topic with coded errors', async () => {
    await provisionDevice(db, { greenhouseId: 'gh-1', name: 'E', kind: 'esphome', topic: 'node1' });
    const attempt = (input: Parameters<typeof provisionDevice>[1]) => provisionDevice(db, input).catch((err: DeviceError) => err.code);
    expect(await attempt({ greenhouseId: 'gh-1', name: 'T', kind: 'tasmota', topic: 'node1' })).toBe('CANOPY_DEVICE_TOPIC_TAKEN');
    expect(await attempt({ greenhouseId: 'gh-1', name: 'T', kind: 'tasmota', topic: 'tele' })).toBe('CANOPY_BAD_DEVICE');
    expect(await attempt({ greenhouseId: 'gh-1', name: 'T', kind: 'tasmota', topic: 'a/b' })).toBe('CANOPY_BAD_DEVICE');
    expect(await attempt({ greenhouseId: 'gh-9', name: 'T', kind: 'canopy' })).toBe('CANOPY_BAD_DEVICE');
    expect(await attempt({ greenhouseId: 'gh-1', name: 'T', kind: 'esphome', topic: 'n2', mapping: { t: 'dew_point_c' } })).toBe(
      'CANOPY_BAD_DEVICE',
    );
  });
});
