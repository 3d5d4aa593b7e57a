import { isValidId } from '@canopy/core';
import { getGreenhouse, listCooperatives, listGreenhouses } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notFound } from '../../errors.ts';
import { ErrorBody, Greenhouse, GreenhouseList, GreenhouseParams, HistoryBody, HistoryQuery } from './schemas.ts';
import { parseMetrics, parseRange } from './timeRange.ts';
import { greenhouseView } from './view.ts';

export const greenhouseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta, store, live } = app.canopy;

  async function findGreenhouse(id: string) {
    const record = isValidId(id) ? await getGreenhouse(meta, id) : undefined;
    if (!record) throw notFound('greenhouse');
    return record;
  }

  app.get('/api/greenhouses', { schema: { response: { 200: GreenhouseList } } }, async () => {
    const [cooperative] = await listCooperatives(meta);
    if (!cooperative) return { cooperative: null, greenhouses: [] };
    const records = await listGreenhouses(meta, { cooperativeId: cooperative.id });
    const latest = await store.latest(records.map((r) => r.id));
    return { cooperative, greenhouses: records.map((r) => greenhouseView(r, latest, live)) };
  });

  app.get('/api/greenhouses/:id', { schema: { params: GreenhouseParams, response: { 200: Greenhouse, 404: ErrorBody } } }, async (req) => {
    const record = await findGreenhouse(req.params.id);
    return greenhouseView(record, await store.latest([record.id]), live);
  });

  app.get(
    '/api/greenhouses/:id/history',
    { schema: { params: GreenhouseParams, querystring: HistoryQuery, response: { 200: HistoryBody, 400: ErrorBody, 404: ErrorBody } } },
    async (req) => {
      const record = await findGreenhouse(req.params.id);
      const metrics = parseMetrics(req.query);
      const { from, to, stepMs } = parseRange(req.query, Date.now());
      const series = await store.range({ greenhouse: record.id, metrics, from, to, stepMs, byDevice: req.query.by === 'device' });
      return { from, to, step_ms: stepMs, series };
    },
  );
};
