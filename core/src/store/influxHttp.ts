/**
 * The two v1 endpoints the Influx store needs, `/write` and `/query`, which InfluxDB 1.x serves
 * natively and 2.x, 3.x and Cloud serve for compatibility. No retries here: the caller owns them.
 *
 * Reads ask for MessagePack, which mirrors the JSON answer: half the bytes, and InfluxDB 1.6.7
 * encodes it twice as fast (a day of 2-minute greenhouse rollups, 8 metrics: 41 → 19 ms), which
 * is most of a history request's time (with gzip off, see `gzip`). The answer's Content-Type says what came; a server that
 * refuses the type (406, 415) is asked for JSON from then on.
 */
import { decode } from '@msgpack/msgpack';
import { decodeUtf8 } from '../utf8.ts';
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
  /**
   * Lets the server gzip its answers. Off by default: beside Canopy, on loopback or a LAN,
   * compressing costs InfluxDB more than sending (a day of 2-minute rollups: 24 → 9 ms); worth it
   * over a slow link to a hosted InfluxDB.
   */
  readonly gzip?: boolean;
}

export interface InfluxHttp {
  /** Line protocol: each piece one or more whole lines, sent joined by newlines. */
  write(pieces: readonly string[]): Promise<void>;
  /** A read (SHOW/SELECT) as GET, the one method every version's /query documents. */
  read(query: string): Promise<InfluxResult[]>;
  /** A statement that changes state (CREATE DATABASE) must be POSTed. */
  exec(query: string): Promise<InfluxResult[]>;
}

const MSGPACK = 'application/x-msgpack';
const JSON_TYPE = 'application/json';

interface Answer {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

const isMsgpack = (a: Answer) => a.contentType.startsWith(MSGPACK);
/** An error answer as text: InfluxDB encodes `{"error": …}` as asked, a proxy sends what it likes. */
function textOf(a: Answer): string {
  if (isMsgpack(a)) {
    try {
      return JSON.stringify(decode(a.bytes));
    } catch {
      // not MessagePack after all: the bytes as text
    }
  }
  return decodeUtf8(a.bytes);
}

/**
 * The pieces joined by newlines, encoded straight into one buffer rather than into one string: a
 * large batch as one string is megabytes in V8's large-object space, freed only by a full
 * collection (and fetch copied it again to encode it). With 50,000-reading batches ingest's RSS in
 * the outage benchmark was 405 MB with the string, 353 MB with the buffer (BENCHMARKS.md).
 */
function joinLines(pieces: readonly string[]): Buffer {
  let bytes = Math.max(0, pieces.length - 1);
  for (const piece of pieces) bytes += Buffer.byteLength(piece);
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const piece of pieces) {
    if (at > 0) body[at++] = 0x0a;
    at += body.write(piece, at);
  }
  return body;
}

export function createInfluxHttp(options: InfluxHttpOptions): InfluxHttp {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const root = new URL(options.url);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  const common: Record<string, string> = {
    ...(options.token ? { Authorization: `Token ${options.token}` } : {}),
    // fetch asks for gzip unless told otherwise.
    ...(options.gzip ? {} : { 'Accept-Encoding': 'identity' }),
  };

  const endpoint = (path: 'write' | 'query', params: Record<string, string>) => {
    const url = new URL(path, root);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };

  let acceptMsgpack = true;

  async function send(
    url: URL,
    init: { method: 'GET' | 'POST'; body?: Uint8Array | URLSearchParams; contentType?: string; accept?: string },
  ): Promise<Answer> {
    const code = url.pathname.endsWith('/write') ? 'CANOPY_STORE_WRITE' : 'CANOPY_STORE_QUERY';
    let response: Response;
    let answer: Answer;
    try {
      response = await doFetch(url, {
        method: init.method,
        body: init.body,
        headers: {
          ...common,
          ...(init.contentType ? { 'Content-Type': init.contentType } : {}),
          ...(init.accept ? { Accept: init.accept } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = { bytes: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? '' };
    } catch (err) {
      const what = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'unreachable';
      throw new StoreError('CANOPY_STORE_UNREACHABLE', `InfluxDB at ${root.origin} ${what}`, { cause: err });
    }
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      const text = textOf(answer);
      throw new StoreHttpError(
        code,
        response.status,
        retryAfter,
        `InfluxDB ${url.pathname} answered ${response.status}: ${errorMessage(text)}`,
        text.slice(0, 4_096),
      );
    }
    return answer;
  }

  async function query(method: 'GET' | 'POST', q: string): Promise<InfluxResult[]> {
    const params = { db: options.database, epoch: 'ms' };
    const accept = acceptMsgpack ? MSGPACK : JSON_TYPE;
    let answer: Answer;
    try {
      answer =
        method === 'GET'
          ? await send(endpoint('query', { ...params, q }), { method, accept })
          : await send(endpoint('query', params), { method, body: new URLSearchParams({ q }), accept });
    } catch (err) {
      if (accept === MSGPACK && err instanceof StoreHttpError && (err.status === 406 || err.status === 415)) {
        acceptMsgpack = false;
        return query(method, q);
      }
      throw err;
    }
    let body: unknown;
    try {
      body = isMsgpack(answer) ? decode(answer.bytes) : JSON.parse(decodeUtf8(answer.bytes));
    } catch (err) {
      throw new StoreError('CANOPY_STORE_QUERY', 'InfluxDB /query answered with something other than JSON or MessagePack', {
        cause: err,
      });
    }
    return parseQueryResponse(body);
  }

  return {
    async write(pieces) {
      const url = endpoint('write', { db: options.database, precision: 'ms' });
      await send(url, { method: 'POST', body: joinLines(pieces), contentType: 'text/plain; charset=utf-8' });
    },
    read: (q) => query('GET', q),
    exec: (q) => query('POST', q),
  };
}
