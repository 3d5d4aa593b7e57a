/**
 * The simulated cooperative: one shared weather, one state per greenhouse, and an MQTT client
 * per device reading and acting on its greenhouse.
 */
import type { DemoDevice, DemoRole } from '@canopy/core';
import type { ActuatorView } from './actuators.ts';
import { RED_RIVER_DELTA } from './climateNormals.ts';
import { createCommandHandler } from './commands.ts';
import { createDeviceClient, type DeviceClient, type SimLogger } from './deviceClient.ts';
import { createDeviceModel, SIMULATED_METRICS } from './deviceModel.ts';
import { createGreenhouse, type Greenhouse } from './greenhouse.ts';
import { createRng, hashSeed } from './random.ts';
import { createWeather } from './weather.ts';

export interface SimulatorOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  readonly mqttUrl: string;
  /** From demoCooperative(n).devices. */
  readonly devices: readonly DemoDevice[];
  readonly intervalMs: number;
  readonly credentials?: (deviceId: string) => { username: string; password: string } | undefined;
  /** Same seed and clock, same readings. */
  readonly seed?: number;
  readonly now?: () => number;
  /** Irrigate when the substrate dries below ~25 %; on unless false. */
  readonly autoIrrigate?: boolean;
  readonly logger: SimLogger;
}

export interface SimulatedDevice {
  readonly id: string;
  readonly greenhouseId: string;
  readonly role: DemoRole;
  readonly online: boolean;
  /** Readings published since start. */
  readonly published: number;
  readonly actuators: Readonly<Record<string, ActuatorView>>;
}

export interface Simulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  devices(): SimulatedDevice[];
}

export const DEFAULT_SEED = 1;

interface Running {
  readonly device: DemoDevice;
  readonly greenhouse: Greenhouse;
  readonly client: DeviceClient;
}

/** The broker URL without credentials, for logs and errors. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'an invalid URL';
  }
}

export function createSimulator(opts: SimulatorOptions): Simulator {
  let running: Running[] = [];
  const now = () => (opts.now ?? Date.now)();

  async function start(): Promise<void> {
    if (running.length > 0) throw new Error('simulator already started');
    const seed = opts.seed ?? DEFAULT_SEED;
    const weather = createWeather(RED_RIVER_DELTA, seed);
    const greenhouses = new Map<string, Greenhouse>();
    running = opts.devices.map((device, i) => {
      const unknown = device.metrics.filter((key) => !SIMULATED_METRICS.includes(key));
      if (unknown.length > 0)
        opts.logger.warn({ device: device.id, metrics: unknown }, 'metrics the simulator cannot produce are left out');
      let greenhouse = greenhouses.get(device.greenhouseId);
      if (greenhouse === undefined) {
        greenhouse = createGreenhouse({ id: device.greenhouseId, seed, weather, autoIrrigate: opts.autoIrrigate ?? true });
        greenhouses.set(device.greenhouseId, greenhouse);
      }
      // Evenly spread over the interval, each a little off its slot.
      const phaseMs = (opts.intervalMs * (i + createRng(hashSeed(seed, 'phase', device.id)).next())) / opts.devices.length;
      const credentials = opts.credentials?.(device.id);
      const client = createDeviceClient({
        mqttUrl: opts.mqttUrl,
        model: createDeviceModel({ device, greenhouse, weather, seed }),
        commands: createCommandHandler({ actuators: device.actuators, greenhouse }),
        intervalMs: opts.intervalMs,
        phaseMs,
        seed,
        now,
        logger: opts.logger,
        ...(credentials ? { credentials } : {}),
      });
      return { device, greenhouse, client };
    });
    const results = await Promise.allSettled(running.map((r) => r.client.start()));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length > 0) {
      await teardown();
      throw new Error(
        `${failures.length} of ${results.length} simulated devices could not connect to ${redact(opts.mqttUrl)}: ${failures[0]?.message}`,
        {
          cause: failures[0],
        },
      );
    }
    opts.logger.info(
      { devices: running.length, greenhouses: greenhouses.size, intervalMs: opts.intervalMs, broker: redact(opts.mqttUrl) },
      'simulator started',
    );
  }

  /** Ends every device; the number ended. */
  async function teardown(): Promise<number> {
    const stopping = running;
    running = [];
    await Promise.all(stopping.map((r) => r.client.stop()));
    return stopping.length;
  }

  async function stop(): Promise<void> {
    const stopped = await teardown();
    if (stopped > 0) opts.logger.info({ devices: stopped }, 'simulator stopped');
  }

  return {
    start,
    stop,
    devices() {
      const t = now();
      return running.map(({ device, greenhouse, client }) => ({
        id: device.id,
        greenhouseId: device.greenhouseId,
        role: device.role,
        online: client.online,
        published: client.published,
        actuators: Object.fromEntries(device.actuators.map((name) => [name, greenhouse.actuator(name, t)])),
      }));
    },
  };
}
