/**
 * Ingest's operator endpoints on a tiny HTTP listener (ingest has no API of its own):
 * `/metrics` in Prometheus format and `/healthz`, which answers 200 with `degraded` while readings
 * wait on disk or the store fails, and 503 while the spool is full and no messages are taken.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Health {
  readonly status: 'ok' | 'degraded' | 'paused';
  readonly [detail: string]: unknown;
}

export interface IngestHttp {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound port, once started. */
  port(): number;
}

export function createIngestHttp(options: { host: string; port: number }, registry: Registry, health: () => Health): IngestHttp {
  let server: Server | undefined;
  return {
    async start() {
      const s = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method !== 'GET') {
          res.writeHead(405).end();
        } else if (path === '/metrics') {
          registry.metrics().then(
            (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
            () => res.writeHead(500).end(),
          );
        } else if (path === '/healthz') {
          const body = health();
          res.writeHead(body.status === 'paused' ? 503 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        } else {
          res.writeHead(404).end();
        }
      });
      s.listen(options.port, options.host);
      await once(s, 'listening');
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    port: () => (server?.address() as AddressInfo | null)?.port ?? 0,
  };
}
