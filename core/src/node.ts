/** Node-only entry of @canopy/core: config, validation, stores and metadata shared by the services. */
export * from './config.ts';
export * from './dataConfig.ts';
export * from './eventBus.ts';
export * from './lifecycle.ts';
export * from './log.ts';
export * from './meta/database.ts';
export * from './meta/directory.ts';
export * from './meta/greenhouses.ts';
export * from './meta/migrations.ts';
export type * from './meta/schema.ts';
export * from './meta/seedDemo.ts';
export * from './mqttClient.ts';
export * from './openData.ts';
export * from './store/influxStore.ts';
export * from './store/sqliteStore.ts';
export * from './store/timeSeriesStore.ts';
export * from './telemetry.ts';
