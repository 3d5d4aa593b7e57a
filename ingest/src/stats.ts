/** Ingest's counters; exposed to operators and read by tests and the benchmark. */
import { REJECT_REASONS, type RejectReason } from '@canopy/core/node';

export interface IngestStats {
  messagesReceived: number;
  readingsAccepted: number;
  readingsWritten: number;
  writeFailures: number;
  rejected: Record<RejectReason | 'buffer_full', number>;
}

export function createIngestStats(): IngestStats {
  const rejected = Object.fromEntries([...REJECT_REASONS, 'buffer_full'].map((r) => [r, 0])) as IngestStats['rejected'];
  return { messagesReceived: 0, readingsAccepted: 0, readingsWritten: 0, writeFailures: 0, rejected };
}
