/**
 * The MQTT broker: Aedes behind Canopy's own gatekeeping. Every client authenticates (device
 * secret or service credentials), publishes and subscriptions pass the ACL, packets over the
 * size limit are cut off at the socket, devices are rate limited, and off-the-shelf firmware is
 * translated to protocol v1 by the adapter bridge. Validation, storage and rules run in ingest.
 *
 * Hooks stay cheap: credentials come from an in-memory cache, the ACL compares strings, and
 * the `published` hook only queues work for the bridge.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { parseTopic } from '@canopy/core';
import { type Logger, type MetaDb, metaDbFile, openMetaDb, tasmotaTopicScheme } from '@canopy/core/node';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { isDiscardedChatter, maySubscribe, publishVerdict } from './acl.ts';
import { type AdapterStats, createAdapterBridge } from './adapterBridge.ts';
import { createAuthenticator, type Principal } from './authenticator.ts';
import type { BrokerConfig } from './config.ts';
import { createCredentialCache } from './credentialCache.ts';
import { guardConnection } from './guardedConnection.ts';
import { type BrokerPersistence, openBrokerPersistence } from './persistence.ts';
import { createRateLimiter, type RateLimiter } from './rateLimiter.ts';

export interface BrokerStats {
  refused: number;
  deniedPublishes: number;
  deniedSubscriptions: number;
  /** Publishes delayed by the rate limit. */
  throttled: number;
  /** Clients disconnected for publishing far above the rate limit. */
  flooders: number;
  /** Connections cut for announcing a packet over the size limit. */
  oversized: number;
  /** Connections closed because their device's secret was rotated or revoked. */
  revoked: number;
  adapter: Readonly<AdapterStats>;
}

export interface Broker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound port, once started (useful with port 0 in tests). */
  port(): number;
  /** The bound MQTTS port, when TLS is configured. */
  tlsPort(): number | undefined;
  stats(): BrokerStats;
}

/** A device would wait longer than this for its next publish: it is flooding, disconnect it. */
const MAX_THROTTLE_MS = 5_000;
const MAX_QUEUED_TRANSLATIONS = 10_000;

function refusal(code: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

function boundPort(server: Server | undefined): number | undefined {
  const address = server?.address();
  return address && typeof address !== 'string' ? address.port : undefined;
}

export function createBroker(config: BrokerConfig, logger: Logger): Broker {
  const tasmota = tasmotaTopicScheme(config.tasmotaFullTopic);
  const principals = new WeakMap<Client, Principal>();
  const limiters = new WeakMap<Client, RateLimiter>();
  /** CONNECTs with an empty client id and a persistent session: the spec requires rc 2. */
  const emptyPersistentId = new WeakSet<Client>();
  const counters = { refused: 0, deniedPublishes: 0, deniedSubscriptions: 0, throttled: 0, flooders: 0, oversized: 0, revoked: 0 };
  let aedes: Aedes | undefined;
  let servers: Server[] = [];
  let tlsServer: TlsServer | undefined;
  let meta: MetaDb | undefined;
  let stopCache: (() => void) | undefined;
  let persistence: BrokerPersistence | undefined;

  const bridge = createAdapterBridge({
    tasmota,
    maxSkewMs: config.maxClockSkewMs,
    maxQueued: MAX_QUEUED_TRANSLATIONS,
    logger,
    publish: (packet) =>
      new Promise<void>((resolve, reject) => {
        if (!aedes) return reject(new Error('broker stopped'));
        aedes.publish(
          { cmd: 'publish', topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain, dup: false },
          (err) => (err ? reject(err) : resolve()),
        );
      }),
  });

  /** Closes the live connections authenticated with a secret that has since changed. */
  function closeChanged(deviceIds: readonly string[], latestVersion: (id: string) => number | undefined): void {
    const clients = (aedes as unknown as { clients: Record<string, Client> } | undefined)?.clients ?? {};
    for (const id of deviceIds) {
      const client = clients[id];
      const principal = client && principals.get(client);
      if (!client || principal?.kind !== 'device') continue;
      if (principal.device.credentialsVersion >= (latestVersion(id) ?? Number.POSITIVE_INFINITY)) continue;
      counters.revoked += 1;
      logger.info({ device: id }, 'device credentials changed: connection closed');
      client.close();
    }
  }

  function accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn = guardConnection(socket, config.maxPacketBytes, () => {
      counters.oversized += 1;
      logger.debug({ remote: socket.remoteAddress }, 'packet over the size limit: connection closed');
    });
    aedes?.handle(conn);
  }

  /**
   * Why a publish is refused, null when it may go ahead, or how long to hold it (ms) under the
   * client's rate limit.
   */
  function publishDecision(client: Client | null, packet: PublishPacket): Error | null | number {
    // A retained command would switch a valve again at every reconnect: commands are never retained.
    if (packet.retain && parseTopic(packet.topic)?.kind === 'cmd') return new Error('retained commands are refused');
    // Aedes publishes the will of a client of a vanished broker instance without a client; it was authorised when set.
    if (client === null) return null;
    const principal = principals.get(client);
    const verdict = principal ? publishVerdict(principal, packet.topic, tasmota) : 'deny';
    if (verdict === 'deny') {
      counters.deniedPublishes += 1;
      return new Error(`not authorised to publish to ${packet.topic.slice(0, 100)}`);
    }
    if (verdict === 'discard') packet.retain = false;
    const wait = limiters.get(client)?.reserve() ?? 0;
    if (wait === 0) return null;
    if (wait === undefined) {
      counters.flooders += 1;
      return new Error('publish rate limit exceeded');
    }
    return wait;
  }

  /**
   * Answers Aedes' authorizePublish; an accepted message is recorded durably before Aedes sends its
   * PUBACK (persistence.ts `hold`). A declared function, not a closure per message: run through tsx,
   * every named closure costs a `__name` call (~2 % of the broker's CPU at 20,000 msg/s).
   */
  function admit(client: Client | null, packet: PublishPacket, err: Error | null, authorized: (err: Error | null) => void): void {
    if (err || client === null) authorized(err);
    else if (!persistence) authorized(new Error('broker stopped'));
    else persistence.hold(packet, (e) => authorized(e ?? null));
  }

  async function listen(server: Server, port: number): Promise<void> {
    server.listen(port, config.host);
    await once(server, 'listening');
    servers.push(server);
  }

  return {
    async start() {
      const db = await openMetaDb({ file: metaDbFile(config.data) });
      meta = db;
      const cache = createCredentialCache(db, {
        pollMs: config.credentialsPollMs,
        logger,
        onChanged: (ids) => closeChanged(ids, (id) => cache.cached(id)?.credentialsVersion),
      });
      await cache.start();
      stopCache = () => cache.stop();
      const authenticator = createAuthenticator(config.service, cache);

      const store = await openBrokerPersistence(config.persistence, logger);
      persistence = store;
      const broker = await Aedes.createBroker({
        persistence: persistence.persistence,
        // Unbounded. Aedes' default (100 messages in delivery) queues the rest in mqemitter arrays
        // drained with shift(), O(queue) each: past ~7,000 msg/s that doubled the CPU per message and
        // capped the relay there, and a subscriber that stops reading held up every topic until its
        // drainTimeout (60 s). In-flight messages stay bounded: Aedes reads a client's next chunk only
        // once the previous one is delivered.
        concurrency: 0,
        preConnect(client, packet, done) {
          if (packet.clientId === '' && !packet.clean) emptyPersistentId.add(client);
          done(null, true);
        },
        authenticate(client, username, password, done) {
          if (emptyPersistentId.has(client)) {
            counters.refused += 1;
            return done(refusal(2, 'an empty client id needs a clean session'), null);
          }
          authenticator.authenticate(client.id, username, password).then(
            (result) => {
              if ('refused' in result) {
                counters.refused += 1;
                logger.debug({ client: client.id, reason: result.reason }, 'connection refused');
                return done(refusal(result.refused, result.reason), null);
              }
              principals.set(client, result);
              if (result.kind === 'device')
                limiters.set(
                  client,
                  createRateLimiter({ ratePerS: config.publishRatePerS, burst: config.publishBurst, maxDelayMs: MAX_THROTTLE_MS }),
                );
              done(null, true);
            },
            (err: unknown) => {
              logger.error({ err }, 'authentication failed');
              done(refusal(5, 'authentication unavailable'), null);
            },
          );
        },
        authorizePublish(client, packet, authorized) {
          const verdict = publishDecision(client, packet);
          if (typeof verdict !== 'number') return admit(client, packet, verdict, authorized);
          counters.throttled += 1;
          // Aedes reads less from this client until it is answered; its debt grows until it is disconnected.
          setTimeout(() => admit(client, packet, null, authorized), verdict).unref();
        },
        authorizeSubscribe(client, subscription, done) {
          const principal = principals.get(client);
          if (principal && maySubscribe(principal, subscription.topic, tasmota)) return done(null, subscription);
          counters.deniedSubscriptions += 1;
          // Refused in the SUBACK (0x80); stock firmware keeps running with its other subscriptions.
          done(null, null);
        },
        authorizeForward: (_client, packet) => (isDiscardedChatter(packet.topic) ? null : packet),
        published(packet, client, done) {
          done();
          const principal = client && principals.get(client);
          if (!principal) return;
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
          if (principal.kind === 'device') {
            const device = cache.cached(principal.device.id) ?? principal.device;
            if (device.kind !== 'canopy' && !packet.topic.startsWith('canopy/')) bridge.fromDevice(device, packet.topic, payload);
            return;
          }
          const parsed = parseTopic(packet.topic);
          if (parsed?.kind !== 'cmd') return;
          const target = cache.cached(parsed.params.deviceId);
          if (target?.kind === 'tasmota') bridge.command(target, payload);
        },
      });
      broker.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'client error'));
      broker.on('connectionError', (client, err) => logger.debug({ client: client?.id, err: err.message }, 'connection error'));
      aedes = broker;
      const recovered = await store.recover(
        (packet) => new Promise<void>((resolve, reject) => broker.publish(packet, (err) => (err ? reject(err) : resolve()))),
      );
      if (recovered > 0) logger.warn({ recovered }, 'published again what the previous run acknowledged but had not queued');

      // Nagle plus delayed ACK adds ~30 ms to p99 on loopback MQTT.
      await listen(createServer({ noDelay: true }, accept), config.mqttPort);
      if (config.tls) {
        const tls = createTlsServer({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }, accept);
        tls.on('tlsClientError', (err) => logger.debug({ err: err.message }, 'TLS handshake failed'));
        tlsServer = tls;
        await listen(tls, config.tls.port);
      }
      logger.info({ port: boundPort(servers[0]), tlsPort: boundPort(tlsServer) }, 'MQTT broker listening');
    },
    async stop() {
      const broker = aedes;
      const listening = servers;
      aedes = undefined;
      servers = [];
      tlsServer = undefined;
      bridge.stop();
      stopCache?.();
      stopCache = undefined;
      if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
      await persistence?.close();
      persistence = undefined;
      await Promise.all(listening.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await meta?.destroy();
      meta = undefined;
    },
    port() {
      const port = boundPort(servers[0]);
      if (port === undefined) throw new Error('broker not started');
      return port;
    },
    tlsPort: () => boundPort(tlsServer),
    stats: () => ({ ...counters, adapter: bridge.stats() }),
  };
}
