/** aedes-persistence-redis ships no types: it takes ioredis options and returns an Aedes persistence. */
declare module 'aedes-persistence-redis' {
  export interface RedisPersistenceOptions {
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    db?: number;
    tls?: object;
    /** Queued messages sent at a reconnect; the rest wait for the next one. */
    maxSessionDelivery?: number;
    [ioredisOption: string]: unknown;
  }
  export interface RedisPersistence {
    outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: { payload: Buffer | string }): Promise<void>;
    destroy(): Promise<void>;
  }
  export default function aedesPersistenceRedis(opts: RedisPersistenceOptions): RedisPersistence;
}
