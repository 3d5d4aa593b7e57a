/** aedes-persistence ships no types for its in-memory class: the part Canopy's durable persistence builds on. */
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';

  export interface AedesPacket {
    cmd: string;
    topic: string;
    payload: Buffer;
    qos: 0 | 1 | 2;
    retain: boolean;
    dup: boolean;
    brokerId?: string;
    brokerCounter?: number;
    messageId?: number;
    clientId?: string;
  }
  export interface AedesSubscription {
    topic: string;
    qos: number;
    rh?: number;
    rap?: boolean;
    nl?: boolean;
  }
  export interface ClientRef {
    id: string;
  }
  export interface BrokerRef {
    id: string;
  }

  export default class MemoryPersistence {
    constructor(opts?: object);
    setup(broker: BrokerRef): Promise<void>;
    storeRetained(packet: AedesPacket): Promise<void>;
    createRetainedStream(pattern: string): Readable;
    createRetainedStreamCombi(patterns: string[]): Readable;
    addSubscriptions(client: ClientRef, subs: AedesSubscription[]): Promise<void>;
    removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
    subscriptionsByClient(client: ClientRef): Promise<AedesSubscription[]>;
    subscriptionsByTopic(topic: string): Promise<Array<AedesSubscription & { clientId: string }>>;
    cleanSubscriptions(client: ClientRef): Promise<void>;
    countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
    outgoingEnqueue(sub: { clientId: string }, packet: AedesPacket): Promise<void>;
    outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: AedesPacket): Promise<void>;
    outgoingUpdate(client: ClientRef, packet: AedesPacket): Promise<void>;
    outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<AedesPacket | undefined>;
    outgoingStream(client: ClientRef): Readable;
    incomingStorePacket(client: ClientRef, packet: AedesPacket): Promise<void>;
    incomingGetPacket(client: ClientRef, packet: { messageId?: number }): Promise<AedesPacket>;
    incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void>;
    cleanIncoming(client: ClientRef): Promise<void>;
    putWill(client: ClientRef, packet: AedesPacket): Promise<void>;
    getWill(client: ClientRef): Promise<AedesPacket | undefined>;
    delWill(client: ClientRef): Promise<AedesPacket | undefined>;
    streamWill(brokers?: Record<string, number>): Readable;
    getClientList(topic: string): Readable;
    destroy(): Promise<void>;
  }
}
