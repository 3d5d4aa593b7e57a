/** The worker plumbing of the SQLite store with stand-in workers, so crashes can be staged on purpose. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSqliteWorker, type SqliteRpc } from './sqliteRpc.ts';
import { createSqliteStore } from './sqliteStore.ts';
import { StoreError } from './timeSeriesStore.ts';

/** A CommonJS worker: ready at once, then answers `latest` with [], never answers `range`, crashes on `write`, and honours `close`. */
const STAND_IN = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ kind: 'ready' });
parentPort.on('message', ({ id, request }) => {
  if (request.op === 'latest') parentPort.postMessage({ kind: 'reply', id, ok: true, result: [] });
  if (request.op === 'write') throw new Error('boom');
  if (request.op === 'close') { parentPort.postMessage({ kind: 'reply', id, ok: true, result: null }); parentPort.close(); }
});
`;

const open: SqliteRpc[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((rpc) => rpc.close()));
});

async function connect(code: string): Promise<SqliteRpc> {
  const rpc = await connectSqliteWorker(new Worker(code, { eval: true }));
  open.push(rpc);
  return rpc;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
}

describe('connectSqliteWorker', () => {
  it('settles each call with its own reply', async () => {
    const rpc = await connect(STAND_IN);
    expect(await rpc.call({ op: 'latest', greenhouses: ['a'] })).toEqual([]);
  });

  it('rejects every pending call when the worker crashes, and every later call too', async () => {
    const rpc = await connect(STAND_IN);
    const query = { greenhouse: 'a', metrics: ['ph'], from: 0, to: 1, stepMs: 1, byDevice: false };
    const hanging = rpc.call({ op: 'range', query });
    const crashing = rpc.call({ op: 'write', readings: [] });
    expect(await codeOf(hanging)).toBe('CANOPY_STORE_WORKER');
    expect(await codeOf(crashing)).toBe('CANOPY_STORE_WORKER');
    expect(await codeOf(rpc.call({ op: 'latest', greenhouses: ['a'] }))).toBe('CANOPY_STORE_WORKER');
  });

  it('turns an error reply into a coded rejection', async () => {
    const rpc = await connect(`
      const { parentPort } = require('node:worker_threads');
      parentPort.postMessage({ kind: 'ready' });
      parentPort.on('message', ({ id, request }) =>
        parentPort.postMessage(
          request.op === 'close' ? { kind: 'reply', id, ok: true, result: null } : { kind: 'reply', id, ok: false, message: 'SQLITE_BUSY: database is locked' },
        ),
      );
    `);
    const err = await rpc.call({ op: 'latest', greenhouses: ['a'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANOPY_STORE_SQLITE', message: 'SQLITE_BUSY: database is locked' });
  });

  it('rejects with CANOPY_STORE_OPEN when the worker dies before it is ready', async () => {
    expect(await codeOf(connect(`throw new Error('cannot open')`))).toBe('CANOPY_STORE_OPEN');
  });

  it('finishes calls sent before close and refuses calls after it', async () => {
    const rpc = await connect(STAND_IN);
    const before = rpc.call({ op: 'latest', greenhouses: ['a'] });
    const closed = rpc.close();
    expect(await codeOf(rpc.call({ op: 'latest', greenhouses: ['a'] }))).toBe('CANOPY_STORE_CLOSED');
    expect(await before).toEqual([]);
    await closed;
    await rpc.close();
  });
});

describe('createSqliteStore', () => {
  it('reports a file that cannot be opened as CANOPY_STORE_OPEN', async () => {
    const file = join(tmpdir(), 'canopy-no-such-dir', String(process.pid), 'series.db');
    const err = await createSqliteStore({ file }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANOPY_STORE_OPEN', message: expect.stringContaining('directory does not exist') });
  });
});
