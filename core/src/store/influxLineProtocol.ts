/**
 * Readings → line protocol. The metrics a device reports at one instant become float fields of
 * one point (InfluxDB's recommended shape); device and greenhouse are the only tags.
 *
 * Built as text rather than through @influxdata/influxdb-client's Point: a Point per instant (two
 * objects, sorted keys, every name escaped character by character) was the largest part of
 * ingest's CPU per message. The escaping is the client's, applied only to names that need it.
 */
import { MEASUREMENT } from './influxQl.ts';
import type { StoredReading } from './timeSeriesStore.ts';

/** What the client escapes in tag keys and values and in field keys; a newline cannot be sent raw. */
const TAG_SPECIAL = /[,= \n\r\t]/;
const TAG_SPECIALS = new RegExp(TAG_SPECIAL.source, 'g');
const ESCAPED: Readonly<Record<string, string>> = { ',': '\\,', '=': '\\=', ' ': '\\ ', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escapeChar = (c: string) => ESCAPED[c] ?? c;
const escapeTag = (text: string) => (TAG_SPECIAL.test(text) ? text.replace(TAG_SPECIALS, escapeChar) : text);

interface PointFields {
  /** Measurement and tags, escaped. */
  readonly series: string;
  readonly ts: string;
  readonly metrics: string[];
  readonly values: number[];
}

/**
 * One line per point. Expects checked readings (ms timestamps: the write goes out with
 * precision=ms). A metric repeated at the same instant keeps its last value, as a rewrite would.
 * Fields are written in the order they first arrive.
 */
export function toLineProtocol(readings: readonly StoredReading[]): string[] {
  const points = new Map<string, PointFields>();
  // A message's readings are consecutive and share device, greenhouse and instant: one lookup per point.
  let point: PointFields | undefined;
  let device = '';
  let greenhouse = '';
  let ts = Number.NaN;
  for (const r of readings) {
    if (r.ts !== ts || r.device !== device || r.greenhouse !== greenhouse || !point) {
      ({ device, greenhouse, ts } = r);
      const tsText = String(ts);
      // Ids cannot contain a newline, so the key is unambiguous.
      const key = `${device}\n${greenhouse}\n${tsText}`;
      point = points.get(key);
      if (!point) {
        const series = `${MEASUREMENT},device=${escapeTag(device)},greenhouse=${escapeTag(greenhouse)}`;
        point = { series, ts: tsText, metrics: [], values: [] };
        points.set(key, point);
      }
    }
    const at = point.metrics.indexOf(r.metric);
    if (at === -1) {
      point.metrics.push(r.metric);
      point.values.push(r.value);
    } else point.values[at] = r.value;
  }
  const lines: string[] = [];
  for (const p of points.values()) {
    let fields = '';
    for (let i = 0; i < p.metrics.length; i++) fields += `${i === 0 ? '' : ','}${escapeTag(p.metrics[i] as string)}=${p.values[i]}`;
    lines.push(`${p.series} ${fields} ${p.ts}`);
  }
  return lines;
}
