/**
 * People and the farm model over REST and the live socket: zones, role and farm changes, farm
 * membership, disabling and deleting users. Rights changes reach open sockets at once. On the
 * embedded store only: nothing here depends on the time-series store, which access.test.ts
 * covers on both.
 */
import { buildTopic, type LiveMessage, liveReadings } from '@canopy/core';
import { connectMqttReady } from '@canopy/core/node';
import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOtherCooperative } from '../helpers/otherCooperative.ts';
import { type Client, LOGINS, login, type Stack, startStack, type Who } from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

interface Answer {
  status: number;
  code?: string;
  body: unknown;
  contentType: string | null;
}

async function api(client: Client, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await client.fetch(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed: unknown = res.headers.get('content-type')?.includes('json') && text !== '' ? JSON.parse(text) : text;
  const code = res.status >= 400 ? (parsed as { code?: string }).code : undefined;
  return { status: res.status, body: parsed, contentType: res.headers.get('content-type'), ...(code === undefined ? {} : { code }) };
}

const statusOf = async (client: Client, method: string, path: string, body?: unknown) => {
  const answer = await api(client, method, path, body);
  return answer.code === undefined ? answer.status : `${answer.status} ${answer.code}`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('people, zones and live rights', () => {
  let stack: Stack;
  let mqtt: MqttClient;
  const clients = {} as Record<Who | 'otherManager', Client>;
  const sockets: Socket[] = [];
  let adminId = '';

  beforeAll(async () => {
    // 12 devices: farm-1 holds gh-1 and gh-2, farm-2 holds gh-3 and gh-4.
    stack = await startStack({ store: 'sqlite', devices: 12 });
    for (const who of Object.keys(LOGINS) as Who[]) clients[who] = await login(stack.httpUrl, who);
    await seedOtherCooperative(stack.data.meta);
    const other = await api(clients.admin, 'POST', '/api/users', {
      name: 'Quản lý HTX khác',
      role: 'coop_manager',
      email: 'manager@other.canopy',
      password: 'other-manager-pw',
      cooperativeId: 'coop-other',
    });
    expect(other.status).toBe(201);
    clients.otherManager = await login(stack.httpUrl, { email: 'manager@other.canopy', password: 'other-manager-pw' });
    adminId = ((await api(clients.admin, 'GET', '/api/auth/me')).body as { user: { id: string } }).user.id;
    // Service credentials publish for any device, as in pipeline.test.ts.
    mqtt = await connectMqttReady(stack.mqttUrl, { clientId: `people-${process.pid}`, ...stack.service });
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await mqtt?.endAsync();
    await stack?.stop();
  });

  function socket(client: Client): Socket {
    const s = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnection: false, extraHeaders: { ...client.headers } });
    sockets.push(s);
    return s;
  }

  const join = (s: Socket, greenhouseId: string) => s.timeout(5_000).emitWithAck('join', { greenhouseId });

  /** Every `greenhouse:value` of air temperature a socket receives. */
  function recorder(s: Socket): string[] {
    const seen: string[] = [];
    s.on('readings', (m: LiveMessage) => {
      for (const r of liveReadings(m)) if (r.metric === 'air_temp_c') seen.push(`${m.greenhouse}:${r.value}`);
    });
    return seen;
  }

  async function newUser(body: Record<string, unknown>): Promise<{ id: string; client: Client }> {
    const created = await api(clients.manager, 'POST', '/api/users', { password: 'people-test-pw', ...body });
    expect(created.status).toBe(201);
    const client = await login(stack.httpUrl, { phone: String(body.phone), password: 'people-test-pw' });
    return { id: (created.body as { id: string }).id, client };
  }

  describe('zones', () => {
    let zoneId = '';
    const hostile = '<script>alert("x")</script> Luống 1';

    it('lets managers create zones, stored and returned as data', async () => {
      const created = await api(clients.manager, 'POST', '/api/greenhouses/gh-3/zones', { name: hostile });
      expect(created.status).toBe(201);
      expect(created.contentType).toMatch(/^application\/json/);
      expect(created.body).toMatchObject({ greenhouseId: 'gh-3', name: hostile, deviceIds: [] });
      zoneId = (created.body as { id: string }).id;
      expect((await api(clients.farmer2, 'GET', '/api/greenhouses/gh-3/zones')).body).toEqual({
        zones: [{ id: zoneId, greenhouseId: 'gh-3', name: hostile, deviceIds: [] }],
      });
      expect(await statusOf(clients.admin, 'POST', '/api/greenhouses/gh-x/zones', { name: 'Zone X' })).toBe(201);
    });

    it('hides another farm’s zones from a farmer (404) and lets the farm’s own farmer read only (403)', async () => {
      const farmer1 = clients.farmer1;
      expect(await statusOf(farmer1, 'GET', '/api/greenhouses/gh-3/zones')).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(farmer1, 'POST', '/api/greenhouses/gh-3/zones', { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(farmer1, 'GET', `/api/zones/${zoneId}`)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(farmer1, 'PATCH', `/api/zones/${zoneId}`, { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(farmer1, 'DELETE', `/api/zones/${zoneId}`)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(farmer1, 'GET', '/api/greenhouses/gh-1/zones')).toBe(200);

      const farmer2 = clients.farmer2;
      expect(await statusOf(farmer2, 'GET', `/api/zones/${zoneId}`)).toBe(200);
      expect(await statusOf(farmer2, 'POST', '/api/greenhouses/gh-3/zones', { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(farmer2, 'PATCH', `/api/zones/${zoneId}`, { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(farmer2, 'DELETE', `/api/zones/${zoneId}`)).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(farmer2, 'PATCH', '/api/devices/gh3-climate', { zoneId })).toBe('403 CANOPY_FORBIDDEN');
    });

    it('lets an extension officer read zones and change none', async () => {
      const officer = clients.officer;
      expect(await statusOf(officer, 'GET', '/api/greenhouses/gh-3/zones')).toBe(200);
      expect(await statusOf(officer, 'GET', `/api/zones/${zoneId}`)).toBe(200);
      expect(await statusOf(officer, 'POST', '/api/greenhouses/gh-3/zones', { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(officer, 'PATCH', `/api/zones/${zoneId}`, { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(officer, 'DELETE', `/api/zones/${zoneId}`)).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(officer, 'PATCH', '/api/devices/gh3-climate', { zoneId })).toBe('403 CANOPY_FORBIDDEN');
    });

    it('hides zones across cooperatives, even from managers', async () => {
      const other = clients.otherManager;
      expect(await statusOf(other, 'GET', '/api/greenhouses/gh-3/zones')).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(other, 'PATCH', `/api/zones/${zoneId}`, { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(other, 'DELETE', `/api/zones/${zoneId}`)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(clients.manager, 'GET', '/api/greenhouses/gh-x/zones')).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(other, 'GET', '/api/greenhouses/gh-x/zones')).toBe(200);
    });

    it('refuses bad zone input with a code', async () => {
      const m = clients.manager;
      expect(await statusOf(m, 'POST', '/api/greenhouses/gh-3/zones', { name: hostile })).toBe('409 CANOPY_ZONE_EXISTS');
      expect(await statusOf(m, 'POST', '/api/greenhouses/gh-3/zones', { name: '   ' })).toBe('400 CANOPY_BAD_ZONE');
      expect(await statusOf(m, 'POST', '/api/greenhouses/gh-3/zones', { name: 'x'.repeat(121) })).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'POST', '/api/greenhouses/gh-3/zones', { name: { $ne: '' } })).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'POST', '/api/greenhouses/gh-3/zones', {})).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'GET', `/api/zones/${encodeURIComponent("z' OR 1=1 --")}`)).toBe('404 CANOPY_NOT_FOUND');
    });

    it('places a device in a zone of its own greenhouse, renames and deletes zones', async () => {
      const m = clients.manager;
      const placed = await api(m, 'PATCH', '/api/devices/gh3-climate', { zoneId });
      expect(placed.status).toBe(200);
      expect(placed.body).toMatchObject({ id: 'gh3-climate', greenhouseId: 'gh-3', zoneId });
      expect((await api(m, 'GET', `/api/zones/${zoneId}`)).body).toMatchObject({ deviceIds: ['gh3-climate'] });
      const gh1Zone = (await api(m, 'POST', '/api/greenhouses/gh-1/zones', { name: 'Luống 1' })).body as { id: string };
      expect(await statusOf(m, 'PATCH', '/api/devices/gh3-climate', { zoneId: gh1Zone.id })).toBe('400 CANOPY_BAD_DEVICE');
      expect(await statusOf(m, 'PATCH', '/api/devices/gh3-climate', {})).toBe('400 FST_ERR_VALIDATION');

      expect((await api(m, 'PATCH', `/api/zones/${zoneId}`, { name: 'Luống Đông' })).body).toMatchObject({ name: 'Luống Đông' });
      expect(await statusOf(m, 'DELETE', `/api/zones/${zoneId}`)).toBe(204);
      expect(await statusOf(m, 'GET', `/api/zones/${zoneId}`)).toBe('404 CANOPY_NOT_FOUND');
      expect((await api(m, 'GET', '/api/devices/gh3-climate')).body).toMatchObject({ greenhouseId: 'gh-3', zoneId: null });
    });
  });

  describe('users and farms', () => {
    it('lets a manager change role and farms within its cooperative, never granting admin', async () => {
      const { id } = await newUser({ name: 'Nông dân A', role: 'farmer', phone: '0912000001', farmIds: ['farm-1'] });
      const m = clients.manager;
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { role: 'admin' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { cooperativeId: 'coop-other' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { farmIds: ['farm-x'] })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(m, 'PATCH', `/api/users/${adminId}`, { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
      const changed = await api(m, 'PATCH', `/api/users/${id}`, { farmIds: ['farm-1', 'farm-2'], name: '<b>Nông dân A</b>' });
      expect(changed.body).toMatchObject({ id, role: 'farmer', farmIds: ['farm-1', 'farm-2'], name: '<b>Nông dân A</b>', disabled: false });
      const officer = await api(m, 'PATCH', `/api/users/${id}`, { role: 'extension_officer' });
      expect(officer.body).toMatchObject({ role: 'extension_officer', farmIds: [] });
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { farmIds: ['farm-1'] })).toBe('400 CANOPY_BAD_USER');

      // Nobody demotes or disables itself; others of the cooperative cannot touch it.
      const managerId = ((await api(m, 'GET', '/api/auth/me')).body as { user: { id: string } }).user.id;
      expect(await statusOf(m, 'PATCH', `/api/users/${managerId}`, { role: 'farmer' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(m, 'PATCH', `/api/users/${managerId}`, { disabled: true })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(clients.officer, 'PATCH', `/api/users/${id}`, { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(clients.farmer1, 'PATCH', `/api/users/${id}`, { name: 'x' })).toBe('403 CANOPY_FORBIDDEN');
      // Officers list the people of the cooperative without their contact details; managers see them.
      type Listed = { users: Array<{ id: string; phone: string | null; email: string | null }> };
      const seenBy = async (c: Client) => ((await api(c, 'GET', '/api/users')).body as Listed).users.find((u) => u.id === id);
      expect(await seenBy(m)).toMatchObject({ phone: '0912000001' });
      expect(await seenBy(clients.officer)).toMatchObject({ phone: null, email: null });
      expect(await statusOf(clients.otherManager, 'PATCH', `/api/users/${id}`, { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(clients.otherManager, 'DELETE', `/api/users/${id}`)).toBe('404 CANOPY_NOT_FOUND');

      // An admin may grant admin; the user then belongs to no cooperative.
      const promoted = await api(clients.admin, 'PATCH', `/api/users/${id}`, { role: 'admin' });
      expect(promoted.body).toMatchObject({ role: 'admin', cooperativeId: null });
      expect(await statusOf(clients.admin, 'PATCH', `/api/users/${id}`, { role: 'farmer' })).toBe('400 CANOPY_BAD_USER');
      expect(await statusOf(clients.admin, 'PATCH', `/api/users/${id}`, { role: 'farmer', cooperativeId: 'coop-other' })).toBe(200);
    });

    it('refuses bad user changes with a code', async () => {
      const { id } = await newUser({ name: 'Nông dân B', role: 'farmer', phone: '0912000002' });
      const m = clients.manager;
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { role: 'root' })).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, {})).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { farmIds: { $gt: '' } })).toBe('400 FST_ERR_VALIDATION');
      // Unknown fields are refused, so a password cannot ride along: it is changed by its owner only.
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { password: 'manager-chosen-pw' })).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { farmIds: 'farm-1' })).toBe('400 FST_ERR_VALIDATION');
      expect(await statusOf(clients.admin, 'DELETE', `/api/users/${adminId}`)).toBe('403 CANOPY_FORBIDDEN');
      await login(stack.httpUrl, { phone: '0912000002', password: 'people-test-pw' });
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { name: '  ' })).toBe('400 CANOPY_BAD_USER');
      expect(await statusOf(m, 'PATCH', `/api/users/${id}`, { farmIds: ["farm-1' OR 1=1"] })).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(m, 'PATCH', '/api/users/u-nobody', { name: 'x' })).toBe('404 CANOPY_NOT_FOUND');
    });

    it('manages farm membership: managers change it, others read or see nothing', async () => {
      const { id, client } = await newUser({ name: 'Nông dân C', role: 'farmer', phone: '0912000003' });
      const path = `/api/farms/farm-2/members/${id}`;
      expect(await statusOf(clients.officer, 'PUT', path)).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(clients.farmer2, 'PUT', path)).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(clients.farmer1, 'PUT', path)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(clients.otherManager, 'PUT', path)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(clients.otherManager, 'PUT', `/api/farms/farm-x/members/${id}`)).toBe('404 CANOPY_NOT_FOUND');
      const officerId = ((await api(clients.officer, 'GET', '/api/auth/me')).body as { user: { id: string } }).user.id;
      expect(await statusOf(clients.manager, 'PUT', `/api/farms/farm-2/members/${officerId}`)).toBe('400 CANOPY_BAD_MEMBER');

      expect((await api(client, 'GET', '/api/greenhouses')).body).toMatchObject({ greenhouses: [] });
      expect(await statusOf(clients.manager, 'PUT', path)).toBe(204);
      expect(await statusOf(clients.manager, 'PUT', path)).toBe(204);
      const list = (await api(client, 'GET', '/api/greenhouses')).body as { greenhouses: Array<{ id: string }> };
      expect(list.greenhouses.map((g) => g.id).slice(0, 2)).toEqual(['gh-3', 'gh-4']);
      const members = (await api(clients.officer, 'GET', '/api/farms/farm-2/members')).body as { members: Array<{ id: string }> };
      expect(members.members.map((m) => m.id)).toContain(id);
      expect(await statusOf(clients.farmer1, 'GET', '/api/farms/farm-2/members')).toBe('404 CANOPY_NOT_FOUND');

      expect(await statusOf(clients.farmer2, 'DELETE', path)).toBe('403 CANOPY_FORBIDDEN');
      expect(await statusOf(clients.manager, 'DELETE', path)).toBe(204);
      expect(await statusOf(clients.manager, 'DELETE', path)).toBe('404 CANOPY_NOT_FOUND');
      expect(await statusOf(client, 'GET', '/api/greenhouses/gh-3')).toBe('404 CANOPY_NOT_FOUND');
    });

    it('describes the new routes in OpenAPI', async () => {
      const spec = (await (await fetch(`${stack.httpUrl}/docs/json`)).json()) as {
        paths: Record<string, Record<string, { description?: string }>>;
      };
      for (const [path, method] of [
        ['/api/greenhouses/{id}/zones', 'get'],
        ['/api/greenhouses/{id}/zones', 'post'],
        ['/api/zones/{id}', 'patch'],
        ['/api/zones/{id}', 'delete'],
        ['/api/users/{id}', 'patch'],
        ['/api/farms/{id}/members/{userId}', 'put'],
        ['/api/farms/{id}/members/{userId}', 'delete'],
        ['/api/devices/{id}', 'patch'],
      ] as const) {
        expect({ path, method, described: typeof spec.paths[path]?.[method]?.description }).toEqual({ path, method, described: 'string' });
      }
    });
  });

  describe('rights changes on open live sockets', () => {
    const managerSeen: string[] = [];
    let value = 20;

    beforeAll(async () => {
      const control = socket(clients.manager);
      control.on('readings', (m: LiveMessage) => {
        for (const r of liveReadings(m)) if (r.metric === 'air_temp_c') managerSeen.push(`${m.greenhouse}:${r.value}`);
      });
      for (const gh of ['gh-1', 'gh-3']) expect(await join(control, gh)).toEqual({ ok: true });
    });

    /**
     * Publishes a reading for the greenhouse and waits until the manager's socket, in the same
     * room of the same process, has it; a little longer, so that the others have had theirs too.
     */
    async function deliver(greenhouse: 'gh-1' | 'gh-3'): Promise<string> {
      value += 0.5;
      const deviceId = greenhouse === 'gh-1' ? 'gh1-climate' : 'gh3-climate';
      await mqtt.publishAsync(buildTopic('telemetry', { deviceId }), JSON.stringify({ m: { air_temp_c: value } }), { qos: 1 });
      const key = `${greenhouse}:${value}`;
      await waitFor(() => (managerSeen.includes(key) ? true : undefined), { what: `live reading ${key}` });
      await sleep(300);
      return key;
    }

    /** A positive answer may trail the manager's by a moment on a busy machine: wait for it. */
    const arrives = (seen: string[], key: string) => waitFor(() => (seen.includes(key) ? true : undefined), { what: `reading ${key}` });

    it('takes a removed farm’s room away from a farmer’s open socket, and gives it back when re-added', async () => {
      const { id, client } = await newUser({ name: 'Nông dân Live', role: 'farmer', phone: '0912000010', farmIds: ['farm-1', 'farm-2'] });
      const live = socket(client);
      const seen = recorder(live);
      expect(await join(live, 'gh-1')).toEqual({ ok: true });
      expect(await join(live, 'gh-3')).toEqual({ ok: true });
      await arrives(seen, await deliver('gh-3'));

      expect(await statusOf(clients.manager, 'DELETE', `/api/farms/farm-2/members/${id}`)).toBe(204);
      expect(seen).not.toContain(await deliver('gh-3'));
      await arrives(seen, await deliver('gh-1'));
      expect(live.connected).toBe(true);
      // Asking again does not help...
      expect(await join(live, 'gh-3')).toEqual({ ok: false, error: 'CANOPY_NOT_FOUND' });
      expect(seen).not.toContain(await deliver('gh-3'));

      // ...rights given back do: the socket is in the rooms it asked for and may read again.
      expect(await statusOf(clients.manager, 'PUT', `/api/farms/farm-2/members/${id}`)).toBe(204);
      await arrives(seen, await deliver('gh-3'));

      // A change of farms and of role through PATCH /api/users/:id works the same way.
      expect(await statusOf(clients.manager, 'PATCH', `/api/users/${id}`, { farmIds: ['farm-2'] })).toBe(200);
      expect(seen).not.toContain(await deliver('gh-1'));
      expect(await statusOf(clients.manager, 'PATCH', `/api/users/${id}`, { role: 'extension_officer' })).toBe(200);
      await arrives(seen, await deliver('gh-1'));

      const gone = new Promise<string>((resolve) => live.on('disconnect', resolve));
      expect(await statusOf(clients.manager, 'DELETE', `/api/users/${id}`)).toBe(204);
      expect(await gone).toBe('io server disconnect');
      expect(await statusOf(client, 'GET', '/api/greenhouses')).toBe('401 CANOPY_UNAUTHENTICATED');
    });

    it('disconnects a disabled user and keeps it out until it is enabled again', async () => {
      const { id, client } = await newUser({ name: 'Nông dân tạm nghỉ', role: 'farmer', phone: '0912000011', farmIds: ['farm-1'] });
      const key = await api(client, 'POST', '/api/api-keys', { name: 'tích hợp' });
      const bearer = { authorization: `Bearer ${(key.body as { key: string }).key}` };
      const keyClient: Client = {
        headers: bearer,
        fetch: (path, init = {}) => fetch(`${stack.httpUrl}${path}`, { ...init, headers: bearer }),
      };
      const live = socket(client);
      expect(await join(live, 'gh-1')).toEqual({ ok: true });
      const gone = new Promise<string>((resolve) => live.on('disconnect', resolve));

      const disabled = await api(clients.manager, 'PATCH', `/api/users/${id}`, { disabled: true });
      expect(disabled.body).toMatchObject({ disabled: true });
      expect(await gone).toBe('io server disconnect');
      expect(await statusOf(client, 'GET', '/api/auth/me')).toBe('401 CANOPY_UNAUTHENTICATED');
      expect(await statusOf(keyClient, 'GET', '/api/auth/me')).toBe('401 CANOPY_UNAUTHENTICATED');
      const refused = await fetch(`${stack.httpUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '0912000011', password: 'people-test-pw' }),
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('CANOPY_USER_DISABLED');

      expect(await statusOf(clients.manager, 'PATCH', `/api/users/${id}`, { disabled: false })).toBe(200);
      await login(stack.httpUrl, { phone: '0912000011', password: 'people-test-pw' });
      expect(await statusOf(keyClient, 'GET', '/api/auth/me')).toBe(200);
    });

    it('ends the live sockets of the other sessions when the password changes', async () => {
      const { client: laptop } = await newUser({ name: 'Nông dân mật khẩu', role: 'farmer', phone: '0912000012', farmIds: ['farm-1'] });
      const phone = await login(stack.httpUrl, { phone: '0912000012', password: 'people-test-pw' });
      const onPhone = socket(phone);
      const onLaptop = socket(laptop);
      expect(await join(onPhone, 'gh-1')).toEqual({ ok: true });
      expect(await join(onLaptop, 'gh-1')).toEqual({ ok: true });
      const gone = new Promise<string>((resolve) => onPhone.on('disconnect', resolve));
      expect(await statusOf(laptop, 'PUT', '/api/auth/password', { current: 'people-test-pw', next: 'people-test-pw-2' })).toBe(204);
      expect(await gone).toBe('io server disconnect');
      expect(onLaptop.connected).toBe(true);
    });
  });
});
