/** Schemas shared by several route files. */
import type { Readable } from 'node:stream';
import Type from 'typebox';

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});

/** The usual error answers of a protected route. */
export const protectedErrors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** Display names: any text (stored and returned as data, never markup), bounded. */
export const Name = Type.String({ minLength: 1, maxLength: 120 });

export const RoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('coop_manager'),
  Type.Literal('farmer'),
  Type.Literal('extension_officer'),
]);

/** A streamed download: described for OpenAPI, never serialized (Fastify pipes streams as they are). */
export const StreamedBody = Type.Unsafe<Readable>({ type: 'string', format: 'binary' });
