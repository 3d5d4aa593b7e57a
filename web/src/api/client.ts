/**
 * The one place the dashboard talks HTTP: same-origin cookies carry the session, every failure
 * becomes an ApiError the screens can word, and a 401 tells the app to show the login page.
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

/** Fired on any 401: the session expired or was ended elsewhere. */
export const UNAUTHENTICATED_EVENT = 'canopy:unauthenticated';

async function request<T>(path: string, init: RequestInit, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin', signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
  if (!res.ok) {
    const body: { code?: unknown; message?: unknown } | undefined = await res.json().catch(() => undefined);
    throw new ApiError(
      res.status,
      typeof body?.code === 'string' ? body.code : `HTTP_${res.status}`,
      typeof body?.message === 'string' ? body.message : res.statusText,
    );
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { headers: { accept: 'application/json' } }, signal);
}

export function postJson<T>(path: string, body: unknown): Promise<T> {
  return sendJson<T>('POST', path, body);
}

/** A write; PUT and DELETE of a membership carry no body, and then no content-type (Fastify refuses an empty JSON body). */
export function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  if (body === undefined) return request<T>(path, { method, headers: { accept: 'application/json' } });
  return request<T>(path, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
