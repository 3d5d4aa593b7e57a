/**
 * Device MQTT secrets: 256 random bits, shown once, stored as SHA-256. A slow password hash
 * would be wrong here: the secret is already full-entropy, and the broker checks it on every
 * connect — 10,000 devices reconnecting after a restart must not cost minutes of CPU.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashDeviceSecret(secret: string | Uint8Array): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time: compares digests of equal length whatever the presented secret is. */
export function deviceSecretMatches(secret: string | Uint8Array, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
