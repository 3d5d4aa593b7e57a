/**
 * The one place the dashboard talks HTTP: same-origin cookies are sent so the coming login
 * only has to add a session, and every failure becomes an ApiError the screens can word.
 */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** `CANOPY_...` from the API, `NETWORK` or `HTTP_<status>` otherwise. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const body: { code?: unknown; message?: unknown } | undefined = await res.json().catch(() => undefined);
    throw new ApiError(
      res.status,
      typeof body?.code === 'string' ? body.code : `HTTP_${res.status}`,
      typeof body?.message === 'string' ? body.message : res.statusText,
    );
  }
  return (await res.json()) as T;
}
