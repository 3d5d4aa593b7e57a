/**
 * The time-series store every service goes through: ingest writes, the API reads. Two
 * implementations (InfluxDB and embedded SQLite) pass one contract suite
 * (tests/integration/timeSeriesStore.contract.test.ts).
 */
import type { HistorySeries } from '../history.ts';
import type { Reading } from '../telemetry.ts';

export interface StoredReading extends Reading {
  /** The greenhouse the device was assigned to at `ts`. */
  readonly greenhouse: string;
}

export interface LatestValue {
  readonly greenhouse: string;
  readonly device: string;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
}

export interface RangeQuery {
  readonly greenhouse: string;
  /** Metric keys, already checked against the vocabulary. */
  readonly metrics: readonly string[];
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
  /** Bucket width; buckets are aligned to multiples of it since the epoch (but see timeZone). */
  readonly stepMs: number;
  /**
   * An IANA zone: when set and stepMs is a whole number of days, buckets are runs of that many
   * local calendar days, each starting at local midnight (numbered from 1970-01-01 local).
   */
  readonly timeZone?: string;
  /** One series per device and metric instead of one per metric over the greenhouse. */
  readonly byDevice: boolean;
}

export interface TimeSeriesStore {
  /** Idempotent: a reading with the same device, metric and ts overwrites, never duplicates. */
  write(readings: readonly StoredReading[]): Promise<void>;
  /** The newest value per device and metric in these greenhouses. */
  latest(greenhouses: readonly string[]): Promise<LatestValue[]>;
  /**
   * Mean, min and max per bucket; empty buckets are left out; points in time order. Served from
   * raw data or rollups depending on the step, with the same answer either way.
   */
  range(query: RangeQuery): Promise<HistorySeries[]>;
  /**
   * Deletes every reading and rollup of these greenhouses (a farm's erasure). Throws
   * CANOPY_STORE_DELETE_UNSUPPORTED where the server refuses deletes (InfluxDB 2.x/3.x v1 API).
   */
  deleteGreenhouses(greenhouses: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  readonly code: string;
  constructor(code: `CANOPY_STORE_${string}`, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
