/** Vitest global setup of the integration project: one private influxd for the whole run. */
import type { TestProject } from 'vitest/node';
import { startInfluxd } from './influxd.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** HTTP root of the run's influxd; each test file uses its own database on it. */
    influxUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const influxd = await startInfluxd();
  project.provide('influxUrl', influxd.url);
  return () => influxd.stop();
}
