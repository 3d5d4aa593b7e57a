export { type AppOptions, buildApp, type CanopyApp } from './app.ts';
export { type ApiConfig, loadConfig } from './config.ts';
export { createLiveFeed, type DeviceStatus, type LiveFeed } from './liveFeed.ts';
export { type ApiServer, createApiServer } from './server.ts';
