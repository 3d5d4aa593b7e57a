/**
 * Who a connecting client is. Services present the service credentials; a device presents its
 * id as username and client id and its secret as password. The answer is a principal for the
 * ACL, or the CONNACK return code that refuses the connection.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type DeviceAuthRecord, deviceSecretMatches, type ServiceCredentials } from '@canopy/core/node';

export type Principal = { readonly kind: 'service' } | { readonly kind: 'device'; readonly device: DeviceAuthRecord };

/** MQTT 3.1.1 CONNACK codes: 2 identifier rejected, 4 bad user name or password, 5 not authorized. */
export type Refusal = { readonly refused: 2 | 4 | 5; readonly reason: string };

export interface Authenticator {
  authenticate(clientId: string, username: string | undefined, password: Uint8Array | undefined): Promise<Principal | Refusal>;
}

const digest = (value: string | Uint8Array) => createHash('sha256').update(value).digest();

export interface DeviceRecords {
  lookup(deviceId: string): Promise<DeviceAuthRecord | undefined>;
  refresh(deviceId: string): Promise<DeviceAuthRecord | undefined>;
}

export function createAuthenticator(service: ServiceCredentials, records: DeviceRecords): Authenticator {
  const serviceDigest = digest(service.password);
  return {
    async authenticate(clientId, username, password) {
      if (username === undefined || password === undefined) return { refused: 5, reason: 'no credentials' };
      if (username === service.username) {
        return timingSafeEqual(digest(password), serviceDigest) ? { kind: 'service' } : { refused: 4, reason: 'wrong service password' };
      }
      const matches = (record: DeviceAuthRecord | undefined) =>
        record?.secretHash != null && deviceSecretMatches(password, record.secretHash);
      let device = await records.lookup(username);
      // A secret rotated since the last poll: the database has it, the cache not yet.
      if (device && !matches(device)) device = await records.refresh(username);
      // Unknown device, revoked secret and wrong secret look the same from outside.
      if (!device || !matches(device)) return { refused: 4, reason: 'bad device credentials' };
      if (clientId !== device.id) return { refused: 2, reason: 'client id must be the device id' };
      return { kind: 'device', device };
    },
  };
}
