/** Debian's mosquitto_pub / mosquitto_sub as an outside MQTT client, with a bounded run time. */
import { execFile } from 'node:child_process';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MosquittoAuth {
  readonly port: number;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
}

export function authArgs(auth: MosquittoAuth): string[] {
  return [
    '-h',
    '127.0.0.1',
    '-p',
    String(auth.port),
    '-V',
    'mqttv311',
    ...(auth.clientId === undefined ? [] : ['-i', auth.clientId]),
    ...(auth.username === undefined ? [] : ['-u', auth.username]),
    ...(auth.password === undefined ? [] : ['-P', auth.password]),
  ];
}

export function mosquitto(command: 'mosquitto_pub' | 'mosquitto_sub', args: readonly string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(`/usr/bin/${command}`, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
