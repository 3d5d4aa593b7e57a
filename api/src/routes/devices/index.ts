/**
 * Device provisioning: register a device in a greenhouse and hand out its MQTT credentials
 * (shown once), rotate them, revoke them. The broker learns of rotations and revocations by
 * polling the registry's credentials version, so this works when API and broker are separate
 * processes; the revoked device's live connection is closed there.
 */
import { deviceAvailability, isValidId } from '@canopy/core';
import {
  type DeviceDetails,
  DeviceError,
  getDeviceDetails,
  provisionDevice,
  revokeDeviceSecret,
  rotateDeviceSecret,
  updateDevice,
} from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ApiError, notFound } from '../../errors.ts';
import { ErrorBody, IdParams, protectedErrors } from '../schemas.ts';
import { DeviceBody, DeviceChange, IssuedCredentials, ProvisionBody } from './schemas.ts';

function asApiError(err: unknown): unknown {
  if (!(err instanceof DeviceError)) return err;
  return new ApiError(err.code === 'CANOPY_DEVICE_TOPIC_TAKEN' ? 409 : 400, err.code, err.message);
}

export const deviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta, store, live } = app.canopy;

  /** The device, if the principal may do `action` on its greenhouse (or cooperative, when unassigned). */
  async function authorizedDevice(request: FastifyRequest, id: string, action: 'read' | 'manage'): Promise<DeviceDetails> {
    const device = isValidId(id) ? await getDeviceDetails(meta, id) : undefined;
    if (!device) throw notFound('device');
    try {
      if (device.greenhouseId === null) await app.access.cooperative(request.principal, device.cooperativeId, action);
      else await app.access.greenhouse(request.principal, device.greenhouseId, action);
    } catch (err) {
      // Not even readable: the device's existence is not confirmed either.
      if (err instanceof ApiError && err.statusCode === 404) throw notFound('device');
      throw err;
    }
    return device;
  }

  app.post(
    '/api/devices',
    { schema: { body: ProvisionBody, response: { 201: IssuedCredentials, 400: ErrorBody, 409: ErrorBody, ...protectedErrors } } },
    async (request, reply) => {
      const { greenhouseId, ...rest } = request.body;
      await app.access.greenhouse(request.principal, greenhouseId, 'manage');
      try {
        const issued = await provisionDevice(meta, { greenhouseId, ...rest });
        return reply.code(201).send(issued);
      } catch (err) {
        throw asApiError(err);
      }
    },
  );

  async function deviceView(device: DeviceDetails) {
    const latest = device.greenhouseId === null ? [] : await store.latest([device.greenhouseId]);
    const seen = latest.filter((l) => l.device === device.id).map((l) => l.ts);
    const lastSeen = seen.length > 0 ? Math.max(...seen) : null;
    const status = live.statusOf(device.id);
    const online = status?.state === 'online';
    const state = deviceAvailability({
      connected: online,
      connectedSince: status?.ts,
      lastSeen,
      intervalS: device.intervalS,
      now: Date.now(),
    });
    return { ...device, online, state, lastSeen };
  }

  app.get('/api/devices/:id', { schema: { params: IdParams, response: { 200: DeviceBody, ...protectedErrors } } }, async (request) =>
    deviceView(await authorizedDevice(request, request.params.id, 'read')),
  );

  app.patch(
    '/api/devices/:id',
    {
      schema: {
        description:
          'Renames a device or places it in a zone of its greenhouse (managers and admins). Moving it elsewhere clears the zone.',
        params: IdParams,
        body: DeviceChange,
        response: { 200: DeviceBody, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (request) => {
      const device = await authorizedDevice(request, request.params.id, 'manage');
      try {
        await updateDevice(meta, device.id, request.body);
      } catch (err) {
        throw asApiError(err);
      }
      const updated = await getDeviceDetails(meta, device.id);
      if (!updated) throw notFound('device');
      return deviceView(updated);
    },
  );

  app.post(
    '/api/devices/:id/credentials',
    { schema: { params: IdParams, response: { 200: IssuedCredentials, ...protectedErrors } } },
    async (request) => {
      const device = await authorizedDevice(request, request.params.id, 'manage');
      const mqtt = await rotateDeviceSecret(meta, device.id);
      if (!mqtt) throw notFound('device');
      return { id: device.id, mqtt };
    },
  );

  app.delete(
    '/api/devices/:id/credentials',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...protectedErrors } } },
    async (request, reply) => {
      const device = await authorizedDevice(request, request.params.id, 'manage');
      await revokeDeviceSecret(meta, device.id);
      return reply.code(204).send(null);
    },
  );
};
