/**
 * Input checks both stores apply, so they refuse the same input with the same code. They matter
 * most to the Influx store, where ids become tag values and metric keys become field names inside
 * InfluxQL: anything outside the id and metric-key grammar is refused before a request.
 */
import { parseMetricKey } from '../metrics.ts';
import { isValidId } from '../topics.ts';
import { checkTimeZone } from './localDays.ts';
import { type RangeQuery, type StoredReading, StoreError } from './timeSeriesStore.ts';

function invalid(what: string, value: unknown): StoreError {
  const shown = String(JSON.stringify(value)).slice(0, 80);
  return new StoreError('CANOPY_STORE_INVALID', `invalid ${what}: ${shown}`);
}

export function checkId(what: 'device' | 'greenhouse', id: string): void {
  if (!isValidId(id)) throw invalid(what, id);
}

export function checkMetric(metric: string): void {
  if (!parseMetricKey(metric)) throw invalid('metric', metric);
}

const isEpochMs = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * All or nothing: one bad reading refuses the whole batch before anything is sent. A batch
 * repeats a few ids and metric keys thousands of times, in runs per message: an id is checked
 * when it changes from the reading before, a metric key the first time the batch has it.
 */
export function checkReadings(readings: readonly StoredReading[]): void {
  let device: string | undefined;
  let greenhouse: string | undefined;
  const metrics = new Set<string>();
  for (const r of readings) {
    if (r.device !== device) {
      checkId('device', r.device);
      device = r.device;
    }
    if (r.greenhouse !== greenhouse) {
      checkId('greenhouse', r.greenhouse);
      greenhouse = r.greenhouse;
    }
    if (!metrics.has(r.metric)) {
      checkMetric(r.metric);
      metrics.add(r.metric);
    }
    if (!isEpochMs(r.ts)) throw invalid('ts', r.ts);
    if (!Number.isFinite(r.value)) throw invalid('value', r.value);
  }
}

export function checkRangeQuery(q: RangeQuery): void {
  checkId('greenhouse', q.greenhouse);
  q.metrics.forEach(checkMetric);
  if (!isEpochMs(q.from)) throw invalid('from', q.from);
  if (!isEpochMs(q.to)) throw invalid('to', q.to);
  if (!Number.isSafeInteger(q.stepMs) || q.stepMs < 1) throw invalid('stepMs', q.stepMs);
  if (q.timeZone !== undefined) checkTimeZone(q.timeZone);
}
