/** @canopy/firmware-sim: plays the demo cooperative's devices over MQTT, with a pure, testable model. */
export type { ActuatorChange, ActuatorView } from './actuators.ts';
export { type ClimateNormals, type DayNormals, normalsAt, parseClimateNormals, RED_RIVER_DELTA } from './climateNormals.ts';
export { type CommandHandler, createCommandHandler } from './commands.ts';
export { loadConfig, type SimConfig } from './config.ts';
export { type DeviceCredentials, issueDemoCredentials } from './credentials.ts';
export type { SimLogger } from './deviceClient.ts';
export { createDeviceModel, type DeviceModel, SIMULATED_METRICS } from './deviceModel.ts';
export { createGreenhouse, FAN, type Greenhouse, type GreenhouseConditions, VALVE } from './greenhouse.ts';
export { createSimulator, DEFAULT_SEED, type SimulatedDevice, type Simulator, type SimulatorOptions } from './simulator.ts';
export { solarElevationDeg } from './solar.ts';
export { createWeather, diurnalTempC, type OutsideConditions, type Weather } from './weather.ts';
