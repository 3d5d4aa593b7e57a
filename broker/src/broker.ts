/**
 * The MQTT broker: Aedes on a TCP listener. It stays thin — authentication and ACL hooks
 * belong here, validation, storage and rules run in ingest.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { parseTopic } from '@canopy/core';
import type { Logger } from '@canopy/core/node';
import { Aedes } from 'aedes';
import type { BrokerConfig } from './config.ts';

export interface Broker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound port, once started (useful with port 0 in tests). */
  port(): number;
}

export function createBroker(config: BrokerConfig, logger: Logger): Broker {
  let aedes: Aedes | undefined;
  let server: Server | undefined;

  return {
    async start() {
      const broker = await Aedes.createBroker({
        // A retained command would switch a valve again at every reconnect: commands are never retained.
        authorizePublish: (_client, packet, done) => {
          done(packet.retain && parseTopic(packet.topic)?.kind === 'cmd' ? new Error('retained commands are refused') : null);
        },
      });
      broker.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'client error'));
      broker.on('connectionError', (client, err) => logger.debug({ client: client?.id, err: err.message }, 'connection error'));
      // Nagle plus delayed ACK adds ~30 ms to p99 on loopback MQTT.
      const tcp = createServer({ noDelay: true }, broker.handle);
      tcp.listen(config.mqttPort, config.host);
      await once(tcp, 'listening');
      aedes = broker;
      server = tcp;
      logger.info({ port: (tcp.address() as AddressInfo).port }, 'MQTT broker listening');
    },
    async stop() {
      const broker = aedes;
      const tcp = server;
      aedes = undefined;
      server = undefined;
      if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
      if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
    port() {
      const address = server?.address();
      if (!address || typeof address === 'string') throw new Error('broker not started');
      return address.port;
    },
  };
}
