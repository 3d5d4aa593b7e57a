/** Translation of off-the-shelf firmware (Tasmota, ESPHome) to protocol v1: pure functions. */

export * from '../timeZone.ts';
export * from './command.ts';
export * from './esphome.ts';
export * from './mapping.ts';
export * from './tasmota.ts';
export * from './tasmotaTopics.ts';
