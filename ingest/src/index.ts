export { type IngestConfig, loadConfig } from './config.ts';
export { createIngest, type Ingest, type IngestDeps } from './ingest.ts';
export type { IngestStats } from './stats.ts';
