/** A cooperative's own settings: name, time zone (its local days) and default locale. */
import { listCooperatives } from '@canopy/core/node';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { badRequest } from '../errors.ts';
import { ErrorBody, IdParams, Name, protectedErrors } from './schemas.ts';

const Cooperative = Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String(), locale: Type.String() });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const cooperativeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { meta } = app.canopy;

  app.get('/api/cooperatives/:id', { schema: { params: IdParams, response: { 200: Cooperative, ...protectedErrors } } }, async (req) =>
    app.access.cooperative(req.principal, req.params.id, 'read'),
  );

  app.patch(
    '/api/cooperatives/:id',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            timeZone: Type.Optional(Type.String({ maxLength: 64 })),
            locale: Type.Optional(Type.Union([Type.Literal('vi'), Type.Literal('en')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Cooperative, 400: ErrorBody, ...protectedErrors },
      },
    },
    async (req) => {
      const coop = await app.access.cooperative(req.principal, req.params.id, 'manage');
      const { name, timeZone, locale } = req.body;
      if (timeZone !== undefined && !isTimeZone(timeZone))
        throw badRequest('CANOPY_BAD_TIME_ZONE', 'expected an IANA time zone, e.g. Asia/Ho_Chi_Minh');
      const change = {
        ...(name === undefined ? {} : { name: name.trim() }),
        ...(timeZone === undefined ? {} : { time_zone: timeZone }),
        ...(locale === undefined ? {} : { locale }),
      };
      if (Object.keys(change).length > 0) await meta.updateTable('cooperatives').set(change).where('id', '=', coop.id).execute();
      const updated = (await listCooperatives(meta)).find((c) => c.id === coop.id);
      return updated ?? coop;
    },
  );
};
