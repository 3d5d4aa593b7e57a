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
  client.handleMessage = (packet, callback) => {
    const stream = client.stream;
    const id = packet.messageId;
    const ack: Ack =
      packet.qos === 1 && id !== undefined
        ? () => {
            if (client.stream !== stream || stream.destroyed || !client.connected) return;
            stream.write(Buffer.from([0x40, 0x02, id >> 8, id & 0xff]));
          }
        : () => {};
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    handle({ topic: packet.topic, payload, qos: packet.qos }, ack).then(
      () => callback(DEFERRED),
      (err: unknown) => {
        onError(err, packet.topic);
        callback(DEFERRED);
      },
    );
  };
}
