/**
 * A private Redis (Debian's `redis-server`) for the integration tests: loopback, a free port, a
 * temporary directory, its own config on the command line; never a system install. Append-only
 * file on, as a deployment that relies on it for the broker's sessions should have it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './serviceProcess.ts';
import { makeTempDir } from './tmp.ts';

const REDIS_SERVER = '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface RedisServer {
  /** e.g. redis://127.0.0.1:40123 */
  readonly url: string;
  /** Stops the server (SIGTERM: the append-only file is flushed), waits `downMs`, starts it again on its port and data. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  try {
    await access(REDIS_SERVER);
  } catch {
    throw new Error(`${REDIS_SERVER} not found: the integration tests need it (apt-get install -y redis-server)`);
  }
  const dir = await makeTempDir('redis');
  const port = await freePort();
  const logFile = join(dir.path, 'redis.log');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir.path,
    '--logfile',
    logFile,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS, true, { ref: false })]);
    if (timedOut) {
      running.kill('SIGKILL');
      await exited;
    }
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    await halt();
    await dir.remove();
  };
  const launch = async () => {
    const started = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    child = started;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await pong(port))) {
      if (Date.now() > deadline || started.exitCode !== null) {
        const tail = (await readFile(logFile, 'utf8').catch(() => '')).slice(-2_000);
        await stop();
        throw new Error(`redis-server did not start on port ${port}\n--- redis log ---\n${tail}`);
      }
      await sleep(50);
    }
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs) {
      await halt();
      await sleep(downMs);
      await launch();
    },
    stop,
  };
}

/** One PING over a raw socket: no client library needed to know it is up. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}
