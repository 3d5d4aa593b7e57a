/** Parsing InfluxDB v1 `/query` JSON (with epoch=ms) and error responses into store shapes. */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parseMetricKey } from '../metrics.ts';
import { type LatestValue, StoreError } from './timeSeriesStore.ts';

const Series = Type.Object({
  tags: Type.Optional(Type.Record(Type.String(), Type.String())),
  columns: Type.Array(Type.String()),
  values: Type.Optional(Type.Array(Type.Array(Type.Unknown()))),
  partial: Type.Optional(Type.Boolean()),
});
const Result = Type.Object({
  series: Type.Optional(Type.Array(Series)),
  error: Type.Optional(Type.String()),
  partial: Type.Optional(Type.Boolean()),
});
const QueryResponse = Type.Object({ results: Type.Optional(Type.Array(Result)), error: Type.Optional(Type.String()) });
const checkResponse = Compile(QueryResponse);

export type InfluxResult = Static<typeof Result>;

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/** The results of a successful response, one per statement in order; any statement error throws. */
export function parseQueryResponse(body: unknown): InfluxResult[] {
  if (!checkResponse.Check(body)) throw new StoreError('CANOPY_STORE_QUERY', 'unexpected /query response shape');
  if (body.error !== undefined) throw new StoreError('CANOPY_STORE_QUERY', `InfluxDB: ${clip(body.error)}`);
  const results = body.results ?? [];
  for (const result of results) {
    if (result.error !== undefined) throw new StoreError('CANOPY_STORE_QUERY', `InfluxDB: ${clip(result.error)}`);
    // A row limit on the server truncates silently otherwise.
    if (result.partial || result.series?.some((s) => s.partial))
      throw new StoreError('CANOPY_STORE_QUERY', 'InfluxDB returned a partial result');
  }
  return results;
}

/** Field keys that are metric keys; anything else someone wrote to the measurement is not ours to query. */
export function toFieldKeys(result: InfluxResult | undefined): string[] {
  const keys = (result?.series ?? []).flatMap((s) => (s.values ?? []).map((row) => row[0]));
  return keys.filter((k): k is string => typeof k === 'string' && parseMetricKey(k) !== undefined);
}

/** `results[i]` answers the `last()` statement of `fields[i]`. */
export function toLatestValues(results: readonly InfluxResult[], fields: readonly string[]): LatestValue[] {
  if (results.length !== fields.length)
    throw new StoreError('CANOPY_STORE_QUERY', `expected ${fields.length} results, got ${results.length}`);
  const out: LatestValue[] = [];
  fields.forEach((metric, i) => {
    for (const series of results[i]?.series ?? []) {
      const [ts, value] = series.values?.[0] ?? [];
      const device = series.tags?.device;
      const greenhouse = series.tags?.greenhouse;
      if (typeof ts !== 'number' || typeof value !== 'number' || !device || !greenhouse) continue;
      out.push({ greenhouse, device, metric, ts, value });
    }
  });
  return out.sort((a, b) => compare(a.greenhouse, b.greenhouse) || compare(a.device, b.device) || compare(a.metric, b.metric));
}

/** Byte order, matching SQLite's BINARY collation, so both stores sort alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The message of an error response: InfluxDB sends `{"error": "..."}`, proxies may send anything. */
export function errorMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') return clip(body.error);
  } catch {
    // not JSON: fall through to the raw text
  }
  return clip(text.trim());
}

/** Retry-After in seconds, from delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
