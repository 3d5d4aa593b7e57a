/**
 * A farm's personal data in one download, as Vietnam's personal-data decree (13/2023/NĐ-CP)
 * expects a data subject to be able to get it: the farm, its members, greenhouses, devices and
 * their assignments, and every raw reading, streamed as JSON so a year of data never sits in memory.
 * The farmer itself, its cooperative manager and admins may export; an extension officer may not.
 */
import { Readable } from 'node:stream';
import { listGreenhouses } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { rawReadings, reportedMetrics } from '../../exports/rawReadings.ts';
import { ExportQuery, parseExportRange } from '../greenhouses/manage.ts';
import { ErrorBody, IdParams, protectedErrors, StreamedBody } from '../schemas.ts';

export const farmExportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta, store } = app.canopy;

  app.get(
    '/api/farms/:id/export.json',
    {
      schema: {
        description: 'The farm’s metadata and raw readings (`readings[greenhouse]` = [ts, device, metric, value] rows), streamed.',
        params: IdParams,
        querystring: Type.Omit(ExportQuery, ['metrics']),
        response: { 200: StreamedBody, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const farm = await app.access.farm(req.principal, req.params.id, 'control');
      const { from, to } = parseExportRange(req.query, Date.now());
      const greenhouses = await listGreenhouses(meta, { farmIds: [farm.id] });
      const members = await meta
        .selectFrom('farm_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.name', 'u.role', 'u.email', 'u.phone', 'u.created_at'])
        .where('m.farm_id', '=', farm.id)
        .execute();
      const greenhouseIds = greenhouses.map((g) => g.id);
      const assignments =
        greenhouseIds.length === 0
          ? []
          : await meta
              .selectFrom('device_assignments')
              .select(['device_id', 'greenhouse_id', 'valid_from', 'valid_to'])
              .where('greenhouse_id', 'in', greenhouseIds)
              .execute();
      const zones =
        greenhouseIds.length === 0
          ? []
          : await meta.selectFrom('zones').select(['id', 'greenhouse_id', 'name']).where('greenhouse_id', 'in', greenhouseIds).execute();
      const head = { exportedAt: new Date().toISOString(), from, to, farm, members, greenhouses, zones, deviceAssignments: assignments };

      async function* chunks() {
        yield `${JSON.stringify(head).slice(0, -1)},"readings":{`;
        for (const [i, greenhouse] of greenhouseIds.entries()) {
          yield `${i > 0 ? ',' : ''}${JSON.stringify(greenhouse)}:[`;
          let first = true;
          const metrics = await reportedMetrics(store, greenhouse);
          for await (const rows of rawReadings(store, { greenhouse, metrics, from, to })) {
            yield (first ? '' : ',') + rows.map((r) => JSON.stringify([r.ts, r.device, r.metric, r.value])).join(',');
            first = false;
          }
          yield ']';
        }
        yield '}}';
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${farm.id}-export.json"`)
        .send(Readable.from(chunks()));
    },
  );
};
