/**
 * The reconnect storm: 10,000 devices authenticating again after a broker restart. Measures the
 * broker's authenticate path as it runs — credential cache loaded from the metadata database in
 * one query, then one SHA-256 and a constant-time compare per device — against the anchor of a
 * slow password hash (scrypt at Node's defaults, what one would use for human passwords),
 * measured on a sample and extrapolated, since 10,000 scrypt runs take minutes.
 */
import { scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, createBroker, createCredentialCache, loadConfig } from '@canopy/broker';
import { createLogger, hashDeviceSecret, newDeviceSecret, openMetaDb } from '@canopy/core/node';

export interface StormResult {
  readonly devices: number;
  /** Loading every device's credentials into the broker's cache. */
  readonly cacheLoadMs: number;
  /** CPU time of authenticating every device once, cache warm. */
  readonly authCpuMs: number;
  readonly authPerConnectUs: number;
  /** scrypt (N=16384, r=8, p=1) per connect, and that extrapolated to the fleet. */
  readonly scryptPerConnectMs: number;
  readonly scryptFleetCpuS: number;
  /** Real MQTT CONNECTs to a freshly started broker, client sockets in the same process. */
  readonly realConnects: number;
  readonly realConnectsWallMs: number;
  /** CPU of the whole process (broker and the clients) while they connected: an upper bound. */
  readonly realConnectsCpuMs: number;
}

/** A CONNECT packet (MQTT 3.1.1, clean session) with username and password. */
function connectPacket(id: string, password: string): Buffer {
  const str = (text: string) => {
    const b = Buffer.from(text);
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(id), str(id), str(password)]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Connects `count` devices, at most `parallel` at a time (the listen backlog), and keeps them open. */
async function connectAll(port: number, secrets: readonly string[], count: number, parallel: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(connectPacket(`dev-${i}`, secrets[i] as string)));
      sockets.push(socket);
      socket.once('data', (ack: Buffer) => (ack[3] === 0 ? resolve() : reject(new Error(`dev-${i} refused: ${ack[3]}`))));
      socket.once('error', reject);
    });
  const worker = async () => {
    while (next < count) await one(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return sockets;
}

const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
};

export async function benchReconnectStorm(options: { quick: boolean }): Promise<StormResult> {
  const devices = 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-storm-'));
  const db = await openMetaDb({ file: join(dir, 'canopy.db') });
  try {
    const now = Date.now();
    await db
      .insertInto('cooperatives')
      .values({ id: 'coop', name: 'bench', time_zone: 'Asia/Ho_Chi_Minh', locale: 'vi', created_at: now })
      .execute();
    await db.insertInto('farms').values({ id: 'farm', cooperative_id: 'coop', name: 'bench', created_at: now }).execute();
    await db
      .insertInto('greenhouses')
      .values({
        id: 'gh',
        cooperative_id: 'coop',
        farm_id: 'farm',
        name: 'bench',
        area_m2: null,
        structure: null,
        location: null,
        created_at: now,
      })
      .execute();
    const secrets = Array.from({ length: devices }, () => newDeviceSecret());
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < devices; i += 500) {
        await tx
          .insertInto('devices')
          .values(
            secrets.slice(i, i + 500).map((secret, j) => ({
              id: `dev-${i + j}`,
              cooperative_id: 'coop',
              greenhouse_id: 'gh',
              name: `device ${i + j}`,
              kind: 'canopy' as const,
              interval_s: 10,
              created_at: now,
              secret_hash: hashDeviceSecret(secret),
              credentials_version: i + j + 1,
            })),
          )
          .execute();
      }
    });

    const logger = createLogger({ name: 'bench', level: 'silent' });
    const cache = createCredentialCache(db, { pollMs: 3_600_000, logger, onChanged: () => {} });
    const loadStarted = performance.now();
    await cache.start();
    const cacheLoadMs = performance.now() - loadStarted;
    const auth = createAuthenticator({ username: 'svc', password: 'x'.repeat(32) }, cache);

    const cpu = process.cpuUsage();
    for (let i = 0; i < devices; i++) {
      const id = `dev-${i}`;
      const result = await auth.authenticate(id, id, Buffer.from(secrets[i] as string));
      if (!('kind' in result)) throw new Error(`bench device ${id} was refused`);
    }
    const authCpuMs = cpuMs(cpu);
    cache.stop();

    const samples = options.quick ? 5 : 20;
    const scryptCpu = process.cpuUsage();
    for (let i = 0; i < samples; i++) scryptSync(secrets[i] as string, 'salt-of-the-device', 64);
    const scryptPerConnectMs = cpuMs(scryptCpu) / samples;

    // A broker restarted with the whole fleet waiting: the cache loads, then every device connects.
    const realConnects = options.quick ? 1_000 : 5_000;
    const broker = createBroker(loadConfig({ DATA_DIR: dir, MQTT_HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'silent' }), logger);
    await broker.start();
    const realCpu = process.cpuUsage();
    const realStarted = performance.now();
    const sockets = await connectAll(broker.port(), secrets, realConnects, 200);
    const realConnectsWallMs = performance.now() - realStarted;
    const realConnectsCpuMs = cpuMs(realCpu);
    for (const socket of sockets) socket.destroy();
    await broker.stop();

    const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
    return {
      devices,
      cacheLoadMs: round(cacheLoadMs),
      authCpuMs: round(authCpuMs),
      authPerConnectUs: round((authCpuMs * 1_000) / devices),
      scryptPerConnectMs: round(scryptPerConnectMs),
      scryptFleetCpuS: round((scryptPerConnectMs * devices) / 1_000),
      realConnects,
      realConnectsWallMs: round(realConnectsWallMs),
      realConnectsCpuMs: round(realConnectsCpuMs),
    };
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reconnectStormTable(r: StormResult): string[] {
  return [
    `## Reconnect storm: ${r.devices.toLocaleString('en')} devices authenticating after a broker restart`,
    '',
    '| step | CPU | per connect |',
    '| --- | ---: | ---: |',
    `| load the credential cache (one query) | ${r.cacheLoadMs} ms (wall) | - |`,
    `| authenticate all (SHA-256 + constant-time compare) | ${r.authCpuMs} ms | ${r.authPerConnectUs} µs |`,
    `| anchor: scrypt N=16384 for all (extrapolated) | ${r.scryptFleetCpuS} s | ${r.scryptPerConnectMs} ms |`,
    `| ${r.realConnects.toLocaleString('en')} real MQTT CONNECTs to a fresh broker (clients in-process, 200 at a time) | ${r.realConnectsCpuMs} ms (${r.realConnectsWallMs} ms wall) | ${Math.round((r.realConnectsCpuMs * 1_000) / r.realConnects)} µs |`,
  ];
}
