/** Browser-safe protocol entry of @canopy/core: topics, payloads, metrics, agronomy. */
export * from './agronomy.ts';
export * from './availability.ts';
export * from './demo.ts';
export * from './history.ts';
export * from './metrics.ts';
export * from './payloads.ts';
export * from './timeZone.ts';
export * from './topics.ts';
