/**
 * A private InfluxDB 1.x (Debian's `influxd`) for the integration tests: its own config, data
 * directories and loopback ports, so it never touches a system install and leaves nothing behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir } from './tmp.ts';

const INFLUXD = '/usr/bin/influxd';
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface Influxd {
  /** HTTP root, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  stop(): Promise<void>;
}

/** One that fault tests can take down and bring back on the same port, with its data kept. */
export interface RestartableInfluxd extends Influxd {
  /** Stops the process (SIGTERM), keeping config and data. */
  halt(): Promise<void>;
  /** Starts it again and resolves once it answers /ping. */
  resume(): Promise<void>;
}

/** A port free right now on 127.0.0.1 (the OS picks it; influxd binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/** 1.6 key names (see `influxd config`); unknown keys are ignored, so both spellings of the reporting switch are set. */
function config(dir: string, httpPort: number, rpcPort: number, options: InfluxdOptions): string {
  return `reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "${options.coldSnapshotS ?? 600}s"

[monitor]
  store-enabled = false

[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[continuous_queries]
  enabled = false
  log-enabled = false

[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
`;
}

export interface InfluxdOptions {
  /**
   * Seconds without writes after which a shard's in-memory cache goes to disk (InfluxDB's default
   * 600). 1.6 sorts a series' whole cache entry on every read of it, so a benchmark that seeds a
   * week in seconds shortens this to read its seed as a store filled over the week would hold it.
   */
  readonly coldSnapshotS?: number;
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<RestartableInfluxd> {
  try {
    await access(INFLUXD);
  } catch {
    throw new Error(`${INFLUXD} not found: the integration tests need InfluxDB 1.x (apt-get install -y influxdb)`);
  }
  const dir = await makeTempDir('influxd');
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const configFile = join(dir.path, 'influxdb.conf');
  const logFile = join(dir.path, 'influxd.log');
  await writeFile(configFile, config(dir.path, httpPort, rpcPort, options));
  let child: ChildProcess;
  let exited: Promise<void>;
  // Should the test run die without teardown, do not leave influxd behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const launch = async () => {
    // Logs go to a file: a pipe nobody drains would block influxd once full.
    const log = await open(logFile, 'a');
    child = spawn(INFLUXD, ['run', '-config', configFile], { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  };

  const stop = async () => {
    process.off('exit', killOnExit);
    await terminate(child, exited);
    await dir.remove();
  };

  const url = `http://127.0.0.1:${httpPort}`;
  const started = async () => {
    try {
      await waitForPing(url, child);
    } catch (err) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).slice(-2_000);
      await stop();
      throw new Error(`influxd did not start: ${(err as Error).message}\n--- influxd log ---\n${tail}`);
    }
  };
  await launch();
  await started();
  return {
    url,
    stop,
    halt: () => terminate(child, exited),
    async resume() {
      await launch();
      await started();
    },
  };
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`no 204 from ${url}/ping within ${START_TIMEOUT_MS} ms`);
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS, true, { ref: false })]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}
