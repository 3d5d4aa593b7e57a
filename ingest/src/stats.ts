/** Ingest's counters; exported as Prometheus metrics (metrics.ts) and read by tests and the benchmark. */
import { REJECT_REASONS, type RejectReason } from '@canopy/core/node';
import { DROP_REASONS, type DropReason } from './writeErrors.ts';

export interface IngestStats {
  messagesReceived: number;
  /** Validated readings, journaled (and so acknowledged) or about to be. */
  readingsAccepted: number;
  readingsWritten: number;
  /** Failed writes that will be retried. */
  writeRetries: number;
  /** Readings left on disk only, because the memory buffer was full. */
  readingsSpooled: number;
  /** Readings read back from the journal: the spool after an outage, or what a previous run left. */
  readingsReplayed: number;
  rejected: Record<RejectReason, number>;
  /** Points the store refused for good (a partial write), by reason. */
  dropped: Record<DropReason, number>;
}

export function createIngestStats(): IngestStats {
  const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as IngestStats['rejected'];
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as IngestStats['dropped'];
  return {
    messagesReceived: 0,
    readingsAccepted: 0,
    readingsWritten: 0,
    writeRetries: 0,
    readingsSpooled: 0,
    readingsReplayed: 0,
    rejected,
    dropped,
  };
}
