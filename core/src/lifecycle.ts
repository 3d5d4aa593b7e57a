/** Start/stop plumbing shared by every entry point. */
import { ConfigError } from './config.ts';
import type { Logger } from './log.ts';

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs an entry point; a configuration error ends it with one line naming the variable. */
export function runMain(entry: () => Promise<void>): void {
  entry().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
    else console.error(err);
    process.exit(1);
  });
}

/**
 * Starts services in order and, on SIGINT or SIGTERM, stops them in reverse order so that
 * producers stop before the consumers that flush their data. A second signal forces exit.
 */
export async function runUntilSignal(
  services: readonly Service[],
  logger: Logger,
  options: { stopTimeoutMs?: number } = {},
): Promise<void> {
  const started: Service[] = [];
  let stopping = false;
  const stopAll = async (reason: string, exitCode = 0) => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    const timer = setTimeout(() => {
      logger.error('stop timed out');
      process.exit(1);
    }, options.stopTimeoutMs ?? 15_000);
    timer.unref();
    for (const service of started.reverse()) {
      try {
        await service.stop();
      } catch (err) {
        logger.error({ err }, 'error while stopping');
      }
    }
    logger.info('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  try {
    for (const service of services) {
      await service.start();
      started.push(service);
    }
  } catch (err) {
    logger.error({ err }, 'start failed');
    await stopAll('start failed', 1);
  }
}
