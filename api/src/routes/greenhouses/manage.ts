/** Changing a greenhouse (rename, area, structure, location) and exporting its readings as CSV. */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { badRequest } from '../../errors.ts';
import { aggregateReadings } from '../../exports/aggregateReadings.ts';
import { AGGREGATES_CSV_HEADER, aggregatesCsv, READINGS_CSV_HEADER, readingsCsv } from '../../exports/csv.ts';
import { rawReadings, reportedMetrics } from '../../exports/rawReadings.ts';
import { Name, protectedErrors, StreamedBody } from '../schemas.ts';
import { ErrorBody, Greenhouse, GreenhouseParams } from './schemas.ts';
import { cooperativeTimeZone, parseMetrics, parseTime } from './timeRange.ts';
import { greenhouseView } from './view.ts';

const GreenhouseChange = Type.Object(
  {
    name: Type.Optional(Name),
    areaM2: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 10_000_000 }), Type.Null()])),
    structure: Type.Optional(Type.Union([Type.String({ maxLength: 120 }), Type.Null()])),
    location: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; default to − 30 days' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; default now' })),
  metrics: Type.Optional(Type.String({ maxLength: 1_000, description: 'comma-separated metric keys; default every metric reported' })),
});

const CsvExportQuery = Type.Object({
  ...ExportQuery.properties,
  resolution: Type.Optional(
    Type.Union([Type.Literal('raw'), Type.Literal('1m'), Type.Literal('1h'), Type.Literal('1d')], {
      description:
        'raw (default): every stored reading; 1m, 1h, 1d: mean, min and max per device and metric from the rollups, which outlive raw retention (1d: the cooperative’s local days)',
    }),
  ),
});

const DEFAULT_EXPORT_MS = 30 * 86_400_000;
const MAX_EXPORT_MS = 5 * 366 * 86_400_000;

export function parseExportRange(query: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = parseTime('to', query.to) ?? now;
  const from = parseTime('from', query.from) ?? to - DEFAULT_EXPORT_MS;
  if (from >= to) throw badRequest('CANOPY_BAD_RANGE', 'from must be before to');
  if (to - from > MAX_EXPORT_MS) throw badRequest('CANOPY_BAD_RANGE', 'export at most 5 years at a time');
  return { from, to };
}

export const greenhouseManagementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta, store, live } = app.canopy;

  app.patch(
    '/api/greenhouses/:id',
    { schema: { params: GreenhouseParams, body: GreenhouseChange, response: { 200: Greenhouse, 400: ErrorBody, ...protectedErrors } } },
    async (req) => {
      const record = await app.access.greenhouse(req.principal, req.params.id, 'manage');
      const { name, areaM2, structure, location } = req.body;
      const change = {
        ...(name === undefined ? {} : { name: name.trim() }),
        ...(areaM2 === undefined ? {} : { area_m2: areaM2 }),
        ...(structure === undefined ? {} : { structure }),
        ...(location === undefined ? {} : { location }),
      };
      if (Object.keys(change).length > 0) await meta.updateTable('greenhouses').set(change).where('id', '=', record.id).execute();
      const updated = await app.access.greenhouse(req.principal, record.id, 'read');
      return greenhouseView(updated, await store.latest([record.id]), live);
    },
  );

  app.get(
    '/api/greenhouses/:id/export.csv',
    {
      schema: {
        description:
          'Readings as CSV, streamed: raw (time, ts_ms, greenhouse, device, metric, value) or aggregated (…, metric, mean, min, max).',
        params: GreenhouseParams,
        querystring: CsvExportQuery,
        produces: ['text/csv'],
        response: { 200: StreamedBody, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const record = await app.access.greenhouse(req.principal, req.params.id, 'read');
      const { from, to } = parseExportRange(req.query, Date.now());
      const metrics = req.query.metrics === undefined ? await reportedMetrics(store, record.id) : parseMetrics(req.query);
      const resolution = req.query.resolution ?? 'raw';
      const range = { greenhouse: record.id, metrics, from, to };
      const timeZone = resolution === '1d' ? await cooperativeTimeZone(meta, record.cooperativeId) : undefined;
      async function* lines() {
        if (resolution === 'raw') {
          yield READINGS_CSV_HEADER;
          for await (const rows of rawReadings(store, range)) yield readingsCsv(record.id, rows);
          return;
        }
        yield AGGREGATES_CSV_HEADER;
        for await (const rows of aggregateReadings(store, { ...range, ...(timeZone ? { timeZone } : {}) }, resolution)) {
          yield aggregatesCsv(record.id, rows);
        }
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${record.id}-${resolution === 'raw' ? 'readings' : resolution}.csv"`)
        .send(Readable.from(lines()));
    },
  );
};
