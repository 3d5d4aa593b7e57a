import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoCooperative } from '../demo.ts';
import { assignDevice } from './assignments.ts';
import { type MetaDb, openMetaDb } from './database.ts';
import { getDeviceDetails, updateDevice } from './devices.ts';
import { createZone, deleteZone, getZone, listZones, renameZone } from './greenhouses.ts';
import { seedDemo } from './seedDemo.ts';
import { addFarmMember, createUser, getUser, removeFarmMember, updateUser } from './users.ts';

describe('people and zones in the metadata', () => {
  let db: MetaDb;
  beforeEach(async () => {
    db = await openMetaDb({ file: ':memory:' });
    await seedDemo(db, demoCooperative(12), { intervalS: 5 });
    await db
      .insertInto('cooperatives')
      .values({ id: 'coop-b', name: 'B', time_zone: 'Asia/Ho_Chi_Minh', locale: 'vi', created_at: 0 })
      .execute();
    await db.insertInto('farms').values({ id: 'farm-b', cooperative_id: 'coop-b', name: 'B', created_at: 0 }).execute();
  });
  afterEach(() => db.destroy());

  const farmer = () =>
    createUser(db, {
      role: 'farmer',
      cooperativeId: 'coop-gia-loc',
      name: 'F',
      phone: '0911000001',
      password: 'pw-12345678',
      farmIds: ['farm-1'],
    });

  it('changes a farmer’s farms and role, dropping memberships a role does not have', async () => {
    const id = await farmer();
    await updateUser(db, id, { farmIds: ['farm-2', 'farm-2'] });
    expect((await getUser(db, id))?.farmIds).toEqual(['farm-2']);
    await updateUser(db, id, { role: 'extension_officer' });
    expect(await getUser(db, id)).toMatchObject({ role: 'extension_officer', farmIds: [], cooperativeId: 'coop-gia-loc' });
    await expect(updateUser(db, id, { farmIds: ['farm-1'] })).rejects.toMatchObject({ code: 'CANOPY_BAD_USER' });
    await updateUser(db, id, { role: 'admin' });
    expect(await getUser(db, id)).toMatchObject({ role: 'admin', cooperativeId: null });
    await expect(updateUser(db, id, { role: 'farmer' })).rejects.toMatchObject({ code: 'CANOPY_BAD_USER' });
    await updateUser(db, id, { role: 'farmer', cooperativeId: 'coop-b', farmIds: ['farm-b'] });
    expect(await getUser(db, id)).toMatchObject({ role: 'farmer', cooperativeId: 'coop-b', farmIds: ['farm-b'] });
  });

  it('refuses farms of another cooperative', async () => {
    const id = await farmer();
    await expect(updateUser(db, id, { farmIds: ['farm-b'] })).rejects.toMatchObject({ code: 'CANOPY_BAD_USER' });
    await expect(updateUser(db, id, { farmIds: ['farm-nope'] })).rejects.toMatchObject({ code: 'CANOPY_BAD_USER' });
    expect((await getUser(db, id))?.farmIds).toEqual(['farm-1']);
    await expect(addFarmMember(db, 'farm-b', id)).rejects.toMatchObject({ code: 'CANOPY_BAD_MEMBER' });
  });

  it('adds and removes farm members, farmers only', async () => {
    const id = await farmer();
    expect(await addFarmMember(db, 'farm-2', id)).toBe(true);
    expect(await addFarmMember(db, 'farm-2', id)).toBe(false);
    expect((await getUser(db, id))?.farmIds).toEqual(['farm-1', 'farm-2']);
    expect(await removeFarmMember(db, 'farm-1', id)).toBe(true);
    expect(await removeFarmMember(db, 'farm-1', id)).toBe(false);
    expect((await getUser(db, id))?.farmIds).toEqual(['farm-2']);
    const officer = await createUser(db, {
      role: 'extension_officer',
      cooperativeId: 'coop-gia-loc',
      name: 'O',
      phone: '0911000002',
      password: 'pw-12345678',
    });
    await expect(addFarmMember(db, 'farm-1', officer)).rejects.toMatchObject({ code: 'CANOPY_BAD_MEMBER' });
  });

  it('ends the sessions of a disabled user and keeps it on record', async () => {
    const id = await farmer();
    await db
      .insertInto('sessions')
      .values({ id_hash: 'h', user_id: id, cooperative_id: 'coop-gia-loc', created_at: 0, expires_at: 9e12 })
      .execute();
    await updateUser(db, id, { disabled: true }, 1_000);
    expect(await getUser(db, id)).toMatchObject({ disabled: true, farmIds: ['farm-1'] });
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    await updateUser(db, id, { disabled: false });
    expect((await getUser(db, id))?.disabled).toBe(false);
  });

  it('keeps zone names unique per greenhouse and places devices in zones of their greenhouse', async () => {
    const a = await createZone(db, { greenhouseId: 'gh-1', name: ' Luống 1 ' });
    expect(a).toMatchObject({ greenhouseId: 'gh-1', cooperativeId: 'coop-gia-loc', name: 'Luống 1', deviceIds: [] });
    await expect(createZone(db, { greenhouseId: 'gh-1', name: 'Luống 1' })).rejects.toMatchObject({ code: 'CANOPY_ZONE_EXISTS' });
    await expect(createZone(db, { greenhouseId: 'gh-1', name: '  ' })).rejects.toMatchObject({ code: 'CANOPY_BAD_ZONE' });
    const b = await createZone(db, { greenhouseId: 'gh-2', name: 'Luống 1' });
    await expect(renameZone(db, b.id, 'Luống 2')).resolves.toBeUndefined();

    await updateDevice(db, 'gh1-climate', { zoneId: a.id });
    expect((await getZone(db, a.id))?.deviceIds).toEqual(['gh1-climate']);
    await expect(updateDevice(db, 'gh1-climate', { zoneId: b.id })).rejects.toMatchObject({ code: 'CANOPY_BAD_DEVICE' });
    // Moving the device clears its zone; deleting a zone leaves its devices in the greenhouse.
    await assignDevice(db, { deviceId: 'gh1-climate', greenhouseId: 'gh-2', at: 1_000 });
    expect((await getDeviceDetails(db, 'gh1-climate'))?.zoneId).toBeNull();
    await updateDevice(db, 'gh1-climate', { zoneId: b.id });
    expect(await deleteZone(db, b.id)).toBe(true);
    expect(await getDeviceDetails(db, 'gh1-climate')).toMatchObject({ greenhouseId: 'gh-2', zoneId: null });
    expect((await listZones(db, { greenhouseId: 'gh-2' })).map((z) => z.name)).toEqual([]);
  });
});
