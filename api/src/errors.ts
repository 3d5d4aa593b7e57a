/** Coded API errors; Fastify renders them as `{statusCode, code, error, message}`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: `CANOPY_${string}`,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'CANOPY_NOT_FOUND', `${what} not found`);
export const badRequest = (code: `CANOPY_${string}`, message: string) => new ApiError(400, code, message);
