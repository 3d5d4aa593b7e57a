/**
 * Readings → line protocol. The metrics a device reports at one instant become float fields of
 * one point (InfluxDB's recommended shape); device and greenhouse are the only tags.
 */
import { Point } from '@influxdata/influxdb-client';
import { MEASUREMENT } from './influxQl.ts';
import type { StoredReading } from './timeSeriesStore.ts';

/** Timestamps are already epoch ms and the write goes out with precision=ms. */
const SETTINGS = { convertTime: (value: string | number | Date | undefined) => String(value) };

/** Expects checked readings. A metric repeated at the same instant keeps its last value, as a rewrite would. */
export function toLineProtocol(readings: readonly StoredReading[]): string {
  const points = new Map<string, Point>();
  for (const r of readings) {
    // Ids cannot contain a newline, so the key is unambiguous.
    const key = `${r.device}\n${r.greenhouse}\n${r.ts}`;
    let point = points.get(key);
    if (!point) {
      point = new Point(MEASUREMENT).tag('device', r.device).tag('greenhouse', r.greenhouse).timestamp(r.ts);
      points.set(key, point);
    }
    point.floatField(r.metric, r.value);
  }
  const lines: string[] = [];
  for (const point of points.values()) {
    const line = point.toLineProtocol(SETTINGS);
    if (line !== undefined) lines.push(line);
  }
  return lines.join('\n');
}
