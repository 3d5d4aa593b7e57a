import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,broker,ingest,api,firmware-sim,web}/src/**/*.test.{ts,tsx}'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real servers (broker, influxd, SQLite, Chromium): one file at a time on CI's 2 cores.
        test: {
          name: 'integration',
          include: ['tests/{integration,e2e}/**/*.test.ts'],
          globalSetup: ['tests/helpers/globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
