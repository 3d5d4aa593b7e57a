/**
 * Acknowledging a QoS 1 message later without stalling the connection. MQTT.js hands incoming
 * PUBLISHes to `handleMessage` one at a time and sends the PUBACK when its callback runs; holding
 * the callback until the journal's fsync would hold every message behind it. So the callback
 * runs at once with an error, which makes MQTT.js (5.x, handlers/publish.js) move to the next
 * packet without a PUBACK, and the PUBACK is written here once the message is durable.
 * Acks are only written on the connection the message came in on: after a reconnect the broker
 * redelivers whatever was not acknowledged.
 */
import type { MqttClient } from 'mqtt';

/** Sends the PUBACK (a no-op for QoS 0, or when the connection it belongs to is gone). */
export type Ack = () => void;

export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
}

const DEFERRED = new Error('PUBACK deferred until the message is journaled');

export function handleWithDeferredAcks(
  client: MqttClient,
  handle: (message: IncomingMessage, ack: Ack) => Promise<void>,
  onError: (err: unknown, topic: string) => void,
): void {
  // PUBACKs of one journal group are acknowledged in one synchronous loop: they leave in one write
  // (a microtask, so before whatever awaits that group, such as a disconnect, goes on).
  let pending: { stream: typeof client.stream; ids: number[] } | undefined;
  const flushAcks = () => {
    const batch = pending;
    pending = undefined;
    if (!batch || client.stream !== batch.stream || batch.stream.destroyed || !client.connected) return;
    const buf = Buffer.allocUnsafe(batch.ids.length * 4);
    let at = 0;
    for (const id of batch.ids) {
      buf[at] = 0x40;
      buf[at + 1] = 0x02;
      buf[at + 2] = id >> 8;
      buf[at + 3] = id & 0xff;
      at += 4;
    }
    batch.stream.write(buf);
  };
  client.handleMessage = (packet, callback) => {
    const stream = client.stream;
    const id = packet.messageId;
    const ack: Ack =
      packet.qos === 1 && id !== undefined
        ? () => {
            if (client.stream !== stream || stream.destroyed || !client.connected) return;
            if (pending && pending.stream !== stream) flushAcks();
            if (!pending) {
              pending = { stream, ids: [] };
              queueMicrotask(flushAcks);
            }
            pending.ids.push(id);
          }
        : () => {};
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    handle({ topic: packet.topic, payload, qos: packet.qos }, ack).then(
      () => callback(DEFERRED),
      (err: unknown) => {
        onError(err, packet.topic);
        callback(DEFERRED);
      },
    );
  };
}
