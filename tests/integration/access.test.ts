/**
 * People and access over REST and the live socket, on both stores: each role gets exactly its
 * share, 404 for what it may not see and 403 for what it may see but not do; API keys stop at
 * revocation; hostile input stays data.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedOtherCooperative } from '../helpers/otherCooperative.ts';
import {
  apiKeyClient,
  type Client,
  clientWith,
  LOGINS,
  login,
  type Stack,
  type StoreKind,
  startStack,
  type Who,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/waitFor.ts';

const STORES: StoreKind[] = ['sqlite', 'influx'];
const HOUR = 3_600_000;

interface Probe {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

/** Every route that touches one greenhouse or farm, for farm-1 (gh-1) or farm-2 (gh-3). */
function probes(farm: 'farm-1' | 'farm-2', from: number): Probe[] {
  const gh = farm === 'farm-1' ? 'gh-1' : 'gh-3';
  return [
    { name: 'greenhouse', method: 'GET', path: `/api/greenhouses/${gh}` },
    { name: 'history', method: 'GET', path: `/api/greenhouses/${gh}/history?metrics=air_temp_c&from=${from}&to=${from + 4 * HOUR}` },
    { name: 'export.csv', method: 'GET', path: `/api/greenhouses/${gh}/export.csv?from=${from}&to=${from + 4 * HOUR}` },
    { name: 'farm export', method: 'GET', path: `/api/farms/${farm}/export.json?from=${from}&to=${from + 4 * HOUR}` },
    { name: 'rename greenhouse', method: 'PATCH', path: `/api/greenhouses/${gh}`, body: { location: 'Gia Lộc, Hải Phòng' } },
    { name: 'rename farm', method: 'PATCH', path: `/api/farms/${farm}`, body: { name: `Trang trại ${farm}` } },
    { name: 'add greenhouse', method: 'POST', path: `/api/farms/${farm}/greenhouses`, body: { name: 'Nhà lưới mới' } },
    { name: 'device', method: 'GET', path: `/api/devices/${gh.replace('-', '')}-climate` },
    { name: 'rotate device secret', method: 'POST', path: `/api/devices/${gh.replace('-', '')}-climate/credentials` },
  ];
}

async function call(client: Client, probe: Probe): Promise<{ status: number; code?: string }> {
  const res = await client.fetch(probe.path, {
    method: probe.method,
    ...(probe.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(probe.body) }),
  });
  const text = await res.text();
  const code =
    res.headers.get('content-type')?.includes('json') && res.status >= 400 ? (JSON.parse(text) as { code?: string }).code : undefined;
  return code === undefined ? { status: res.status } : { status: res.status, code };
}

describe.each(STORES)('access with the %s store', (store) => {
  let stack: Stack;
  const clients = {} as Record<Who, Client>;
  const sockets: Socket[] = [];
  const t0 = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;

  beforeAll(async () => {
    // 12 devices: farm-1 holds gh-1 and gh-2, farm-2 holds gh-3 and gh-4.
    stack = await startStack({ store, influxUrl: inject('influxUrl'), devices: 12 });
    for (const who of Object.keys(LOGINS) as Who[]) clients[who] = await login(stack.httpUrl, who);
    // Two hours apart, so the export pages through more than one window.
    await stack.data.store.write([
      { greenhouse: 'gh-1', device: 'gh1-climate', metric: 'air_temp_c', ts: t0 + 1_000, value: 25.5 },
      { greenhouse: 'gh-1', device: 'gh1-climate', metric: 'rh_pct', ts: t0 + 1_000, value: 70 },
      { greenhouse: 'gh-1', device: 'gh1-substrate', metric: 'ph', ts: t0 + 2 * HOUR + 7, value: 6.2 },
      { greenhouse: 'gh-3', device: 'gh3-climate', metric: 'air_temp_c', ts: t0 + 1_000, value: 31 },
    ]);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.stop();
  });

  function socket(options: { headers?: Record<string, string>; token?: string } = {}): Socket {
    const s = io(`${stack.httpUrl}/live`, {
      transports: ['websocket'],
      reconnection: false,
      ...(options.headers ? { extraHeaders: options.headers } : {}),
      ...(options.token ? { auth: { token: options.token } } : {}),
    });
    sockets.push(s);
    return s;
  }

  const join = (s: Socket, greenhouseId: string) => s.timeout(5_000).emitWithAck('join', { greenhouseId });

  it('asks for a session or API key everywhere but health, login and the page', async () => {
    const anonymous = clientWith(stack.httpUrl, {});
    const all = [...probes('farm-1', t0), { name: 'list', method: 'GET', path: '/api/greenhouses' } as Probe];
    for (const probe of [
      ...all,
      { name: 'me', method: 'GET', path: '/api/auth/me' } as Probe,
      { name: 'users', method: 'GET', path: '/api/users' } as Probe,
    ]) {
      expect({ probe: probe.name, ...(await call(anonymous, probe)) }).toEqual({
        probe: probe.name,
        status: 401,
        code: 'CANOPY_UNAUTHENTICATED',
      });
    }
    expect((await anonymous.fetch('/api/health')).status).toBe(200);
    expect((await anonymous.fetch('/docs/json')).status).toBe(200);
    expect((await anonymous.fetch('/greenhouses/gh-1')).status).toBe(200);
    const s = socket();
    const error = await new Promise<Error>((resolve) => s.on('connect_error', resolve));
    expect(error.message).toBe('CANOPY_UNAUTHENTICATED');
  });

  it('describes every route in OpenAPI', async () => {
    const spec = (await (await fetch(`${stack.httpUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/greenhouses/{id}/history',
        '/api/greenhouses/{id}/export.csv',
        '/api/farms',
        '/api/api-keys',
      ]),
    );
  });

  it('gives a farmer its own farm and nothing of another farm', async () => {
    const farmer = clients.farmer1;
    const list = (await (await farmer.fetch('/api/greenhouses')).json()) as {
      cooperative: { id: string };
      greenhouses: Array<{ id: string }>;
    };
    expect(list.cooperative.id).toBe('coop-gia-loc');
    expect(list.greenhouses.map((g) => g.id)).toEqual(['gh-1', 'gh-2']);
    const farms = (await (await farmer.fetch('/api/farms')).json()) as { farms: Array<{ id: string }> };
    expect(farms.farms.map((f) => f.id)).toEqual(['farm-1']);

    const own = await Promise.all(probes('farm-1', t0).map(async (p) => [p.name, (await call(farmer, p)).status]));
    expect(Object.fromEntries(own)).toEqual({
      greenhouse: 200,
      history: 200,
      'export.csv': 200,
      'farm export': 200,
      'rename greenhouse': 403,
      'rename farm': 403,
      'add greenhouse': 403,
      device: 200,
      'rotate device secret': 403,
    });
    for (const probe of probes('farm-2', t0)) {
      expect({ probe: probe.name, ...(await call(farmer, probe)) }).toEqual({ probe: probe.name, status: 404, code: 'CANOPY_NOT_FOUND' });
    }
    expect((await call(farmer, { name: 'users', method: 'GET', path: '/api/users' })).status).toBe(403);
    expect((await call(farmer, { name: 'new farm', method: 'POST', path: '/api/farms', body: { name: 'x' } })).status).toBe(403);

    const live = socket({ headers: { ...farmer.headers } });
    expect(await join(live, 'gh-3')).toEqual({ ok: false, error: 'CANOPY_NOT_FOUND' });
    expect(await join(live, 'gh-404')).toEqual({ ok: false, error: 'CANOPY_NOT_FOUND' });
    expect(await join(live, 'gh-1')).toEqual({ ok: true });
  });

  it('lets an extension officer read everything in its cooperative and change nothing', async () => {
    const officer = clients.officer;
    const list = (await (await officer.fetch('/api/greenhouses')).json()) as { greenhouses: Array<{ id: string }> };
    expect(list.greenhouses.map((g) => g.id)).toEqual(['gh-1', 'gh-2', 'gh-3', 'gh-4']);
    for (const farm of ['farm-1', 'farm-2'] as const) {
      const statuses = await Promise.all(probes(farm, t0).map(async (p) => [p.name, (await call(officer, p)).status]));
      expect(Object.fromEntries(statuses)).toEqual({
        greenhouse: 200,
        history: 200,
        'export.csv': 200,
        // Members' phone numbers are in it: the farm's own people and its managers only.
        'farm export': 403,
        'rename greenhouse': 403,
        'rename farm': 403,
        'add greenhouse': 403,
        device: 200,
        'rotate device secret': 403,
      });
    }
    expect((await call(officer, { name: 'users', method: 'GET', path: '/api/users' })).status).toBe(200);
    for (const probe of [
      { name: 'new farm', method: 'POST', path: '/api/farms', body: { name: 'x' } },
      {
        name: 'new user',
        method: 'POST',
        path: '/api/users',
        body: { name: 'x', role: 'farmer', phone: '0911111111', password: 'password-1' },
      },
    ] as Probe[]) {
      expect((await call(officer, probe)).status).toBe(403);
    }
    const live = socket({ headers: { ...officer.headers } });
    expect(await join(live, 'gh-3')).toEqual({ ok: true });
  });

  it('lets a coop manager manage its cooperative but not see another', async () => {
    const manager = clients.manager;
    const statuses = await Promise.all(probes('farm-2', t0).map(async (p) => [p.name, (await call(manager, p)).status]));
    expect(Object.fromEntries(statuses)).toEqual({
      greenhouse: 200,
      history: 200,
      'export.csv': 200,
      'farm export': 200,
      'rename greenhouse': 200,
      'rename farm': 200,
      'add greenhouse': 201,
      device: 200,
      'rotate device secret': 200,
    });
    await seedOtherCooperative(stack.data.meta);
    expect((await call(manager, { name: 'other', method: 'GET', path: '/api/greenhouses/gh-x' })).status).toBe(404);
    expect((await call(manager, { name: 'other', method: 'PATCH', path: '/api/farms/farm-x', body: { name: 'Y' } })).status).toBe(404);
    expect(
      (await call(manager, { name: 'other', method: 'POST', path: '/api/farms', body: { name: 'Y', cooperativeId: 'coop-other' } })).status,
    ).toBe(404);
    expect((await call(clients.admin, { name: 'other', method: 'GET', path: '/api/greenhouses/gh-x' })).status).toBe(200);

    const created = await call(manager, {
      name: 'new farmer',
      method: 'POST',
      path: '/api/users',
      body: { name: 'Nông dân mới', role: 'farmer', phone: '+84 912 345 678', password: 'new-farmer-pw', farmIds: ['farm-2'] },
    });
    expect(created.status).toBe(201);
    const newcomer = await login(stack.httpUrl, { phone: '0912 345 678', password: 'new-farmer-pw' });
    const list = (await (await newcomer.fetch('/api/greenhouses')).json()) as { greenhouses: Array<{ id: string }> };
    expect(list.greenhouses.map((g) => g.id).slice(0, 2)).toEqual(['gh-3', 'gh-4']);
    expect(
      (
        await call(manager, {
          name: 'admin',
          method: 'POST',
          path: '/api/users',
          body: { name: 'x', role: 'admin', email: 'x@y.z', password: 'password-1' },
        })
      ).status,
    ).toBe(403);
  });

  it('streams raw readings as CSV, page by page, and a farm bundle as JSON', async () => {
    const res = await clients.manager.fetch(`/api/greenhouses/gh-1/export.csv?from=${t0}&to=${t0 + 3 * HOUR}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await res.text()).split('\r\n')).toEqual([
      'time,ts_ms,greenhouse,device,metric,value',
      `${new Date(t0 + 1_000).toISOString()},${t0 + 1_000},gh-1,gh1-climate,air_temp_c,25.5`,
      `${new Date(t0 + 1_000).toISOString()},${t0 + 1_000},gh-1,gh1-climate,rh_pct,70`,
      `${new Date(t0 + 2 * HOUR + 7).toISOString()},${t0 + 2 * HOUR + 7},gh-1,gh1-substrate,ph,6.2`,
      '',
    ]);
    const only = await (await clients.manager.fetch(`/api/greenhouses/gh-1/export.csv?from=${t0}&to=${t0 + 3 * HOUR}&metrics=ph`)).text();
    expect(only.trim().split('\r\n')).toHaveLength(2);

    const bundle = (await (await clients.farmer1.fetch(`/api/farms/farm-1/export.json?from=${t0}&to=${t0 + 3 * HOUR}`)).json()) as {
      farm: { id: string };
      members: Array<{ email: string }>;
      greenhouses: Array<{ id: string }>;
      readings: Record<string, unknown[]>;
    };
    expect(bundle.farm.id).toBe('farm-1');
    expect(bundle.members.map((m) => m.email)).toEqual(['farmer1@demo.canopy']);
    expect(bundle.greenhouses.map((g) => g.id)).toEqual(['gh-1', 'gh-2']);
    expect(bundle.readings['gh-1']).toHaveLength(3);
    expect(bundle.readings['gh-2']).toEqual([]);
    expect(JSON.stringify(bundle)).not.toContain('password');
  });

  it('exports mean, min and max per minute, hour or local day as CSV', async () => {
    const at = t0 - 5 * HOUR;
    await stack.data.store.write([
      { greenhouse: 'gh-1', device: 'gh1-climate', metric: 'air_temp_c', ts: at + 1_000, value: 20 },
      { greenhouse: 'gh-1', device: 'gh1-climate', metric: 'air_temp_c', ts: at + 1_800_000, value: 22.5 },
    ]);
    const csv = async (resolution: string) => {
      const res = await clients.officer.fetch(
        `/api/greenhouses/gh-1/export.csv?from=${at}&to=${at + HOUR}&metrics=air_temp_c&resolution=${resolution}`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain(`gh-1-${resolution}.csv`);
      return (await res.text()).split('\r\n');
    };
    const row = (ts: number, mean: number, min: number, max: number) =>
      `${new Date(ts).toISOString()},${ts},gh-1,gh1-climate,air_temp_c,${mean},${min},${max}`;
    expect(await csv('1h')).toEqual(['time,ts_ms,greenhouse,device,metric,mean,min,max', row(at, 21.25, 20, 22.5), '']);
    expect(await csv('1m')).toEqual([
      'time,ts_ms,greenhouse,device,metric,mean,min,max',
      row(at, 20, 20, 20),
      row(at + 1_800_000, 22.5, 22.5, 22.5),
      '',
    ]);
    // The demo cooperative keeps Vietnam's time: its day starts at 17:00 UTC.
    const midnight = Math.floor((at + 7 * HOUR) / (24 * HOUR)) * 24 * HOUR - 7 * HOUR;
    expect(await csv('1d')).toEqual(['time,ts_ms,greenhouse,device,metric,mean,min,max', row(midnight, 21.25, 20, 22.5), '']);
    const bad = await clients.officer.fetch(`/api/greenhouses/gh-1/export.csv?resolution=1w`);
    expect(bad.status).toBe(400);
  });

  it('deletes a farm with its greenhouses’ readings, for a manager only', async () => {
    const farm = (await (
      await clients.manager.fetch('/api/farms', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Trang trại sẽ xoá' }),
      })
    ).json()) as { id: string };
    const gh = (await (
      await clients.manager.fetch(`/api/farms/${farm.id}/greenhouses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Nhà lưới sẽ xoá' }),
      })
    ).json()) as { id: string };
    await stack.data.store.write([{ greenhouse: gh.id, device: 'gh1-climate', metric: 'air_temp_c', ts: t0 + 5_000, value: 22 }]);
    const exportOf = async () =>
      (await (await clients.manager.fetch(`/api/greenhouses/${gh.id}/export.csv?from=${t0}&to=${t0 + HOUR}`)).text()).trim();
    expect((await exportOf()).split('\r\n')).toHaveLength(2);

    const erase = (client: Client, id: string) => call(client, { name: 'erase', method: 'DELETE', path: `/api/farms/${id}` });
    expect((await erase(clients.officer, farm.id)).status).toBe(403);
    expect((await erase(clients.farmer1, farm.id)).status).toBe(404);
    expect((await erase(clients.farmer1, 'farm-1')).status).toBe(403);
    expect((await erase(clients.manager, farm.id)).status).toBe(204);

    expect((await call(clients.manager, { name: 'gone', method: 'GET', path: `/api/greenhouses/${gh.id}` })).status).toBe(404);
    expect(await stack.data.store.latest([gh.id])).toEqual([]);
    const range = { greenhouse: gh.id, metrics: ['air_temp_c'], from: t0, to: t0 + HOUR, stepMs: 1_000, byDevice: false };
    expect(await stack.data.store.range(range)).toEqual([]);
    // Other farms keep theirs.
    expect((await stack.data.store.range({ ...range, greenhouse: 'gh-1' }))[0]?.points[0]?.[1]).toBe(25.5);
  });

  it('stops a revoked API key at once, over REST and the socket', async () => {
    const key = await apiKeyClient(stack.httpUrl, 'manager');
    expect((await key.fetch('/api/greenhouses')).status).toBe(200);
    expect((await key.fetch('/api/auth/me')).status).toBe(200);
    const token = key.headers.authorization?.replace('Bearer ', '') ?? '';
    const live = socket({ token });
    expect(await join(live, 'gh-3')).toEqual({ ok: true });
    const gone = new Promise<string>((resolve) => live.on('disconnect', resolve));
    // A key cannot mint keys that would outlive it.
    expect((await call(key, { name: 'mint', method: 'POST', path: '/api/api-keys', body: { name: 'k2' } })).status).toBe(403);
    const listed = async (client: Client) =>
      ((await (await client.fetch('/api/api-keys')).json()) as { keys: Array<{ id: string }> }).keys.map((k) => k.id);
    expect(await listed(clients.manager)).toContain(key.id);
    expect(await listed(clients.farmer1)).not.toContain(key.id);
    // Another farmer cannot see (so cannot revoke) the manager's key.
    expect((await call(clients.farmer1, { name: 'revoke', method: 'DELETE', path: `/api/api-keys/${key.id}` })).status).toBe(404);

    expect((await call(clients.manager, { name: 'revoke', method: 'DELETE', path: `/api/api-keys/${key.id}` })).status).toBe(204);
    expect(await call(key, { name: 'after', method: 'GET', path: '/api/greenhouses' })).toEqual({
      status: 401,
      code: 'CANOPY_UNAUTHENTICATED',
    });
    expect(await gone).toBe('io server disconnect');
    const again = socket({ token });
    expect((await new Promise<Error>((resolve) => again.on('connect_error', resolve))).message).toBe('CANOPY_UNAUTHENTICATED');
  });

  it('changes a password, ending the other sessions of the user', async () => {
    const phone = await login(stack.httpUrl, { phone: '0900000002', password: LOGINS.officer.password });
    const laptop = await login(stack.httpUrl, 'officer');
    const change = (current: string, next: string) =>
      call(laptop, { name: 'password', method: 'PUT', path: '/api/auth/password', body: { current, next } });
    expect((await change('wrong', 'new-officer-pw')).status).toBe(403);
    expect((await change(LOGINS.officer.password, 'new-officer-pw')).status).toBe(204);
    expect((await phone.fetch('/api/auth/me')).status).toBe(401);
    expect((await laptop.fetch('/api/auth/me')).status).toBe(200);
    expect((await change('new-officer-pw', LOGINS.officer.password)).status).toBe(204);
    // The shared officer session ended with the others.
    clients.officer = await login(stack.httpUrl, 'officer');
  });

  it('lets a manager, and only a manager, change the cooperative and remove a user', async () => {
    const patch = (client: Client, body: unknown) =>
      call(client, { name: 'coop', method: 'PATCH', path: '/api/cooperatives/coop-gia-loc', body });
    expect((await patch(clients.officer, { name: 'x' })).status).toBe(403);
    expect((await patch(clients.farmer1, { name: 'x' })).status).toBe(403);
    expect((await patch(clients.manager, { timeZone: 'Mars/Olympus' })).code).toBe('CANOPY_BAD_TIME_ZONE');
    expect((await patch(clients.manager, { name: 'HTX Dưa lưới Gia Lộc', timeZone: 'Asia/Bangkok' })).status).toBe(200);
    expect((await patch(clients.manager, { timeZone: 'Asia/Ho_Chi_Minh' })).status).toBe(200);

    const created = await clients.manager.fetch('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Tạm thời', role: 'extension_officer', email: 'temp@demo.canopy', password: 'temporary-pw' }),
    });
    const { id } = (await created.json()) as { id: string };
    const temp = await login(stack.httpUrl, { email: 'temp@demo.canopy', password: 'temporary-pw' });
    expect((await call(clients.officer, { name: 'rm', method: 'DELETE', path: `/api/users/${id}` })).status).toBe(403);
    expect((await call(clients.farmer1, { name: 'rm', method: 'DELETE', path: `/api/users/${id}` })).status).toBe(403);
    expect((await call(clients.manager, { name: 'rm', method: 'DELETE', path: `/api/users/${id}` })).status).toBe(204);
    expect((await temp.fetch('/api/greenhouses')).status).toBe(401);
  });

  it('does not give a socket its rooms back on reconnect once its session is gone', async () => {
    const session = await login(stack.httpUrl, 'farmer1');
    const s = io(`${stack.httpUrl}/live`, { transports: ['websocket'], reconnectionDelay: 50, extraHeaders: { ...session.headers } });
    sockets.push(s);
    expect(await join(s, 'gh-1')).toEqual({ ok: true });
    // The session expires (or is revoked elsewhere) while the socket stays up...
    await stack.data.meta
      .deleteFrom('sessions')
      .where('user_id', 'in', stack.data.meta.selectFrom('users').select('id').where('email', '=', LOGINS.farmer1.email))
      .execute();
    clients.farmer1 = await login(stack.httpUrl, 'farmer1');
    const refused = new Promise<Error>((resolve) => s.once('connect_error', resolve));
    // ...then the connection drops: the reconnection authenticates afresh and is refused.
    s.io.engine.close();
    expect((await refused).message).toBe('CANOPY_UNAUTHENTICATED');
    s.close();
  });

  it('ends a session at logout', async () => {
    const session = await login(stack.httpUrl, 'officer');
    expect((await session.fetch('/api/auth/me')).status).toBe(200);
    expect((await call(session, { name: 'logout', method: 'POST', path: '/api/auth/logout' })).status).toBe(204);
    expect((await session.fetch('/api/auth/me')).status).toBe(401);
  });

  it('keeps injection attempts in every query parameter out of the query languages', async () => {
    const hostile = [
      `air_temp_c" FROM telemetry; DROP MEASUREMENT telemetry; --`,
      `air_temp_c') OR 1=1 --`,
      `'; DROP TABLE readings; --`,
      `1; DELETE FROM "telemetry"`,
      `air_temp_c\\" OR ""="`,
      `air_temp_c\nSELECT * FROM telemetry`,
      `/.*/`,
      `0 OR time > 0`,
    ];
    const paramsOf: Record<string, string[]> = {
      '/api/greenhouses/gh-1/history': ['metrics', 'metric', 'from', 'to', 'by'],
      '/api/greenhouses/gh-1/export.csv': ['metrics', 'from', 'to', 'resolution'],
    };
    for (const value of hostile) {
      for (const [path, params] of Object.entries(paramsOf)) {
        for (const param of params) {
          const query = new URLSearchParams({ metrics: 'air_temp_c', from: String(t0), to: String(t0 + HOUR), [param]: value });
          const res = await call(clients.manager, { name: param, method: 'GET', path: `${path}?${query}` });
          expect({ path, param, value, status: res.status }).toEqual({ path, param, value, status: 400 });
          expect(res.code).toMatch(/^(CANOPY_|FST_ERR_VALIDATION)/);
        }
      }
      const id = encodeURIComponent(`gh-1${value}`);
      expect(
        (await call(clients.manager, { name: 'id', method: 'GET', path: `/api/greenhouses/${id}/history?metrics=air_temp_c` })).status,
      ).toBe(404);
      expect((await call(clients.manager, { name: 'id', method: 'GET', path: `/api/greenhouses/${id}` })).status).toBe(404);
      const loginRes = await fetch(`${stack.httpUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `x${value}@y`, password: value }),
      });
      expect(loginRes.status).toBe(401);
    }
    // Nothing was dropped or deleted.
    const history = (await (
      await clients.manager.fetch(`/api/greenhouses/gh-1/history?metrics=air_temp_c&from=${t0}&to=${t0 + HOUR}`)
    ).json()) as {
      series: Array<{ points: number[][] }>;
    };
    expect(history.series[0]?.points[0]?.[1]).toBe(25.5);
  });

  it('stores names with markup as data and returns them unchanged', async () => {
    const name = '<script>alert("x")</script> Nhà lưới 1';
    const res = await clients.manager.fetch('/api/greenhouses/gh-1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { name: string }).name).toBe(name);
    const located = await clients.manager.fetch('/api/greenhouses/gh-2', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: 'Xã Gia Lộc, TP Hải Phòng', areaM2: 1_440, structure: 'nhà lưới' }),
    });
    expect(await located.json()).toMatchObject({ location: 'Xã Gia Lộc, TP Hải Phòng', areaM2: 1_440, structure: 'nhà lưới' });
    const list = (await (await clients.farmer1.fetch('/api/greenhouses')).json()) as { greenhouses: Array<{ id: string; name: string }> };
    expect(list.greenhouses.find((g) => g.id === 'gh-1')?.name).toBe(name);
    const farm = await call(clients.manager, {
      name: 'farm',
      method: 'POST',
      path: '/api/farms',
      body: { name: '<img src=x onerror=alert(1)>' },
    });
    expect(farm.status).toBe(201);
    const farms = (await (await clients.manager.fetch('/api/farms')).json()) as { farms: Array<{ name: string }> };
    expect(farms.farms.map((f) => f.name)).toContain('<img src=x onerror=alert(1)>');
    // The page that shows them forbids inline scripts.
    const page = await fetch(`${stack.httpUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('refuses cookie-carrying requests from another site', async () => {
    const evil = { origin: 'http://evil.example' };
    const post = await call(clients.manager, { name: 'csrf', method: 'POST', path: '/api/farms', body: { name: 'x' } });
    expect(post.status).toBe(201);
    const res = await clients.manager.fetch('/api/farms', {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('CANOPY_BAD_ORIGIN');
    const s = socket({ headers: { ...clients.manager.headers, ...evil } });
    await new Promise<Error>((resolve) => s.on('connect_error', resolve));
    expect(s.connected).toBe(false);
    const same = socket({ headers: { ...clients.manager.headers, origin: stack.httpUrl } });
    expect(await join(same, 'gh-1')).toEqual({ ok: true });
  });

  it('rate-limits login brute force per IP and identifier', async () => {
    const attempt = (password: string) =>
      fetch(`${stack.httpUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: LOGINS.farmer2.email, password }),
      });
    for (let i = 0; i < 10; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
    const locked = await attempt(LOGINS.farmer2.password);
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { code: string }).code).toBe('CANOPY_LOGIN_THROTTLED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Someone else on the same network still gets in.
    await login(stack.httpUrl, 'farmer1');
    await waitFor(async () => ((await clients.farmer2.fetch('/api/auth/me')).status === 200 ? true : undefined), {
      what: 'existing session unaffected',
    });
  });
});
