/**
 * A Canopy service in a child process (`node --import tsx <entry>`), for tests that must kill it
 * for real: `kill -9`, restart, and read its log afterwards. Output goes to a file, never a pipe
 * that could fill and block the child.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from '@canopy/core/node';

const ROOT = resolve(import.meta.dirname, '../..');
const STOP_GRACE_MS = 15_000;

export interface ServiceProcess {
  /** Starts (again); the log file is appended to across restarts. */
  start(): void;
  /** Sends the signal and waits for the exit; SIGKILL after a grace period for SIGTERM. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  running(): boolean;
  /** Of the running process, for /proc figures. */
  pid(): number | undefined;
  log(): string;
}

export function serviceProcess(entry: string, env: Env, logFile: string): ServiceProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  return {
    start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`${entry} is already running`);
      const fd = openSync(logFile, 'a');
      child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      exited = once(child, 'exit');
    },
    async kill(signal) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(signal);
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS, true, { ref: false })]);
      if (timedOut) {
        c.kill('SIGKILL');
        await exited;
      }
    },
    pid: () => child?.pid,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** A port free right now on 127.0.0.1, for a service that must come back on the same one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}
