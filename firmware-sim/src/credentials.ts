/**
 * MQTT credentials for the demo devices, issued by the device registry — the same code that
 * answers `POST /api/devices/:id/credentials` — at every start. Rotating on start means no
 * secret of a demo device outlives the process that holds it.
 */
import type { DemoDevice } from '@canopy/core';
import { type MetaDb, type MqttCredentials, rotateDeviceSecret } from '@canopy/core/node';

export type DeviceCredentials = (deviceId: string) => MqttCredentials | undefined;

export async function issueDemoCredentials(meta: MetaDb, devices: readonly DemoDevice[]): Promise<DeviceCredentials> {
  const issued = new Map<string, MqttCredentials>();
  for (const device of devices) {
    const credentials = await rotateDeviceSecret(meta, device.id);
    if (credentials) issued.set(device.id, credentials);
  }
  return (deviceId) => issued.get(deviceId);
}
