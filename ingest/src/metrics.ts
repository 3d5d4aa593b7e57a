/**
 * Ingest's Prometheus metrics, on a registry of its own (never prom-client's global one, so two
 * ingests in one process, as in tests, do not collide). Counters are read from IngestStats at
 * scrape time, so there is one set of books; the timings are histograms observed as they happen.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueStatus } from './durableQueue.ts';
import type { IngestStats } from './stats.ts';

export interface IngestMetrics {
  readonly registry: Registry;
  /** Seconds per store write. */
  readonly writeSeconds: Histogram;
  /** Seconds from a reading's timestamp (device time, or the journal's stamp) to stored. */
  readonly lagSeconds: Histogram;
}

export function createIngestMetrics(stats: IngestStats, status: () => QueueStatus & { paused: boolean }): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'canopy_ingest_' });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `canopy_ingest_${name}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('messages_received', 'Telemetry messages received from the broker', () => stats.messagesReceived);
  counter('readings_accepted', 'Readings that passed validation and were journaled', () => stats.readingsAccepted);
  counter('readings_written', 'Readings written to the time-series store', () => stats.readingsWritten);
  counter('write_retries', 'Store writes that failed and were retried', () => stats.writeRetries);
  counter('readings_spooled', 'Readings kept on disk only because the memory buffer was full', () => stats.readingsSpooled);
  counter('readings_replayed', 'Readings read back from the journal (spool or a previous run)', () => stats.readingsReplayed);
  const byReason = (name: string, help: string, read: () => Record<string, number>) =>
    new Counter({
      name: `canopy_ingest_${name}_total`,
      help,
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(read())) this.inc({ reason }, n);
      },
    });
  byReason('readings_rejected', 'Readings (or whole messages) rejected by validation, by reason', () => stats.rejected);
  byReason('points_dropped', 'Points the store refused for good in a partial write, by reason', () => stats.dropped);
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `canopy_ingest_${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('buffered_readings', 'Readings in memory waiting for the store', () => status().bufferedReadings);
  gauge('spool_bytes', 'Journal bytes on disk not yet released (the spool)', () => status().spoolBytes);
  gauge('spooling', '1 while readings wait on disk only', () => Number(status().spooling));
  gauge('paused', '1 while the spool is full and no messages are taken (alert)', () => Number(status().paused));
  gauge('store_failing', '1 while store writes fail', () => Number(status().storeFailing));
  return {
    registry,
    writeSeconds: new Histogram({
      name: 'canopy_ingest_write_seconds',
      help: 'Duration of one store write',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lagSeconds: new Histogram({
      name: 'canopy_ingest_lag_seconds',
      help: 'Reading timestamp to stored, per message',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300, 3_600, 86_400],
      registers: [registry],
    }),
  };
}
