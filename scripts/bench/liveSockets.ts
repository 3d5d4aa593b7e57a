/**
 * A share of the live-view benchmark's dashboard sockets, in a process of its own: 500 browsers
 * do not share one event loop, and when they all ran in the benchmark's process its loop lag
 * (p99 ~30 ms) was part of every figure, the live topic's included. Opens its sockets, joins
 * their rooms with the dashboard's `join` event, prints `ready`, then per line on stdin:
 * `start <epoch ms>` counts readings published from then on, `stop` prints the figures as one
 * JSON line (`SocketFigures`).
 *
 * It speaks the part of Engine.IO 4 / Socket.IO 5 the live view uses over `ws` itself (open,
 * namespace connect, ping/pong, events, one acknowledged emit), as the load generator speaks
 * MQTT: the phones are not on the server, so the harness does no more per frame than read it.
 * Each socket receives and reads its own frame, and a reading is timed when its socket has it;
 * a frame's JSON is parsed once for the sockets of its room, which share this process.
 * Usage: node --import tsx scripts/bench/liveSockets.ts '<json SocketSpec>'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { LiveMessage } from '@canopy/core';
import WebSocket from 'ws';
import { latencyRecorder, metricCount, type SparseCounts } from './liveLatency.ts';

export interface SocketSpec {
  readonly apiUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Rooms of each socket, by greenhouse id; one socket may follow several. */
  readonly rooms: ReadonlyArray<readonly string[]>;
}

export interface SocketFigures {
  readonly all: SparseCounts;
  readonly newest: SparseCounts;
  /** Messages each socket received per room: `socket room` → count, first and last arrival. */
  readonly rooms: Array<[key: string, messages: number, firstAt: number, lastAt: number]>;
  readonly loopLagP99Ms: number;
  readonly cpuUs: number;
}

const NAMESPACE = '/live';
const EVENT = `42${NAMESPACE},`;
const ACK = `43${NAMESPACE},`;
const READINGS = `${EVENT}["readings",`;

/** Parsed `readings` frames by their text, for the sockets of one room; the oldest go first. */
const parsedFrames = new Map<string, LiveMessage>();
const MAX_PARSED_FRAMES = 500;

function parseReadings(frame: string): LiveMessage {
  let message = parsedFrames.get(frame);
  if (!message) {
    message = (JSON.parse(frame.slice(EVENT.length)) as [string, LiveMessage])[1];
    parsedFrames.set(frame, message);
    if (parsedFrames.size > MAX_PARSED_FRAMES) parsedFrames.delete(parsedFrames.keys().next().value as string);
  }
  return message;
}

type OnReadings = (message: LiveMessage, at: number) => void;

/** A socket connected to the live namespace that has joined its rooms. */
async function openSocket(spec: SocketSpec, rooms: readonly string[], onReadings: OnReadings): Promise<WebSocket> {
  const url = `${spec.apiUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { headers: { ...spec.headers }, perMessageDeflate: false, skipUTF8Validation: true });
  const acks = new Map<number, (answer: string) => void>();
  let connected: (() => void) | undefined;
  let failed: ((err: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    failed = reject;
  });
  ws.on('error', (err) => failed?.(err));
  ws.on('message', (data: Buffer) => {
    const at = Date.now();
    const frame = data.toString();
    if (frame.startsWith(READINGS)) onReadings(parseReadings(frame), at);
    else if (frame === '2') ws.send('3');
    else if (frame.startsWith('0')) ws.send(`40${NAMESPACE},`);
    else if (frame.startsWith(`40${NAMESPACE},`)) connected?.();
    else if (frame.startsWith(`44${NAMESPACE},`)) failed?.(new Error(`live namespace refused: ${frame}`));
    else if (frame.startsWith(ACK)) {
      const open = frame.indexOf('[', ACK.length);
      const id = Number(frame.slice(ACK.length, open));
      acks.get(id)?.(frame.slice(open));
      acks.delete(id);
    }
  });
  await ready;
  for (const [id, room] of rooms.entries()) {
    const answer = await new Promise<string>((resolve) => {
      acks.set(id, resolve);
      ws.send(`${EVENT}${id}${JSON.stringify(['join', { greenhouseId: room }])}`);
    });
    const [reply] = JSON.parse(answer) as [{ ok: boolean }];
    if (!reply.ok) throw new Error(`join ${room} refused: ${answer}`);
  }
  return ws;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as SocketSpec;
let startedAt = Number.POSITIVE_INFINITY;
let all = latencyRecorder();
let newest = latencyRecorder();
let rooms = new Map<string, [messages: number, firstAt: number, lastAt: number]>();
const loop = monitorEventLoopDelay({ resolution: 10 });
let cpuAtStart = process.cpuUsage();

/** What socket `i` makes of a `readings` event it received at `at`. */
const record =
  (i: number): OnReadings =>
  (m, at) => {
    let newestTs = 0;
    for (const s of m.samples) {
      if (s.ts < startedAt) continue;
      all.add(s.ts, at - s.ts, metricCount(s));
      newestTs = Math.max(newestTs, s.ts);
    }
    if (newestTs === 0) return;
    newest.add(newestTs, at - newestTs);
    const key = `${i} ${m.greenhouse}`;
    const room = rooms.get(key);
    if (room) {
      room[0] += 1;
      room[2] = at;
    } else rooms.set(key, [1, at, at]);
  };

const sockets: WebSocket[] = [];
for (let i = 0; i < spec.rooms.length; i += 50)
  sockets.push(...(await Promise.all(spec.rooms.slice(i, i + 50).map((rooms, j) => openSocket(spec, rooms, record(i + j))))));

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.split(' ');
  if (command === 'start') {
    startedAt = Number(arg);
    all = latencyRecorder();
    newest = latencyRecorder();
    rooms = new Map();
    loop.reset();
    loop.enable();
    cpuAtStart = process.cpuUsage();
  } else if (command === 'stop') {
    loop.disable();
    const cpu = process.cpuUsage(cpuAtStart);
    const figures: SocketFigures = {
      all: all.export(),
      newest: newest.export(),
      rooms: [...rooms].map(([key, [messages, firstAt, lastAt]]) => [key, messages, firstAt, lastAt]),
      loopLagP99Ms: Math.round(loop.percentile(99) / 1e6),
      cpuUs: cpu.user + cpu.system,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    break;
  }
}
for (const s of sockets) s.close();
process.exit(0);
