/**
 * The two v1 endpoints the Influx store needs, `/write` and `/query`, which InfluxDB 1.x serves
 * natively and 2.x, 3.x and Cloud serve for compatibility. No retries here: the caller owns them.
 */
import { errorMessage, type InfluxResult, parseQueryResponse, parseRetryAfter } from './influxResponse.ts';
import { StoreError } from './timeSeriesStore.ts';

/** A non-2xx answer; `status` and `retryAfterSec` let a retry layer tell throttling from rejection. */
export class StoreHttpError extends StoreError {
  readonly status: number;
  /** From Retry-After, when the server sent one. */
  readonly retryAfterSec: number | undefined;
  /** The response body, unclipped up to 4 KB: a partial write's `dropped=N` comes at its end. */
  readonly body: string;
  constructor(
    code: 'CANOPY_STORE_WRITE' | 'CANOPY_STORE_QUERY',
    status: number,
    retryAfterSec: number | undefined,
    message: string,
    body = '',
  ) {
    super(code, message);
    this.status = status;
    this.retryAfterSec = retryAfterSec;
    this.body = body;
  }
}

export interface InfluxHttpOptions {
  /** Server root, e.g. http://127.0.0.1:8086 (a path prefix behind a proxy is kept). */
  readonly url: URL | string;
  readonly database: string;
  /** Sent as `Authorization: Token <token>` (2.x, 3.x, Cloud). */
  readonly token?: string;
  readonly fetch?: typeof fetch;
  /** Per request, including the body; default 30 s. */
  readonly timeoutMs?: number;
}

export interface InfluxHttp {
  write(lineProtocol: string): Promise<void>;
  /** A read (SHOW/SELECT) as GET, the one method every version's /query documents. */
  read(query: string): Promise<InfluxResult[]>;
  /** A statement that changes state (CREATE DATABASE) must be POSTed. */
  exec(query: string): Promise<InfluxResult[]>;
}

export function createInfluxHttp(options: InfluxHttpOptions): InfluxHttp {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const root = new URL(options.url);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  const auth: Record<string, string> = options.token ? { Authorization: `Token ${options.token}` } : {};

  const endpoint = (path: 'write' | 'query', params: Record<string, string>) => {
    const url = new URL(path, root);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };

  async function send(url: URL, init: { method: 'GET' | 'POST'; body?: string | URLSearchParams; contentType?: string }): Promise<string> {
    const code = url.pathname.endsWith('/write') ? 'CANOPY_STORE_WRITE' : 'CANOPY_STORE_QUERY';
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: init.method,
        body: init.body,
        headers: init.contentType ? { ...auth, 'Content-Type': init.contentType } : auth,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const what = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'unreachable';
      throw new StoreError('CANOPY_STORE_UNREACHABLE', `InfluxDB at ${root.origin} ${what}`, { cause: err });
    }
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      throw new StoreHttpError(
        code,
        response.status,
        retryAfter,
        `InfluxDB ${url.pathname} answered ${response.status}: ${errorMessage(text)}`,
        text.slice(0, 4_096),
      );
    }
    return text;
  }

  async function query(method: 'GET' | 'POST', q: string): Promise<InfluxResult[]> {
    const params = { db: options.database, epoch: 'ms' };
    const text =
      method === 'GET'
        ? await send(endpoint('query', { ...params, q }), { method })
        : await send(endpoint('query', params), { method, body: new URLSearchParams({ q }) });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new StoreError('CANOPY_STORE_QUERY', 'InfluxDB /query answered with something other than JSON', { cause: err });
    }
    return parseQueryResponse(body);
  }

  return {
    async write(lineProtocol) {
      const url = endpoint('write', { db: options.database, precision: 'ms' });
      await send(url, { method: 'POST', body: lineProtocol, contentType: 'text/plain; charset=utf-8' });
    },
    read: (q) => query('GET', q),
    exec: (q) => query('POST', q),
  };
}
