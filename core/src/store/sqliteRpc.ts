/**
 * Main-thread end of the SQLite worker: numbered calls over postMessage, each settled by its
 * reply. A crash or exit of the worker rejects every pending call, so nothing waits forever.
 */
import type { Worker } from 'node:worker_threads';
import type { SqliteCall, SqliteRequest, SqliteResults, SqliteWorkerMessage } from './sqliteProtocol.ts';
import { StoreError } from './timeSeriesStore.ts';

export interface SqliteRpc {
  call<R extends SqliteRequest>(request: R): Promise<SqliteResults[R['op']]>;
  /** Lets calls already sent finish, closes the database, then stops the worker. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** Resolves when the worker reports the file open; rejects with CANOPY_STORE_OPEN if it dies first. */
export function connectSqliteWorker(worker: Worker): Promise<SqliteRpc> {
  return new Promise((resolveReady, rejectReady) => {
    const pending = new Map<number, Pending>();
    let nextId = 1;
    let ready = false;
    /** Once set, the worker is gone or going: new calls fail with it. */
    let stopped: StoreError | undefined;
    let closing: Promise<void> | undefined;

    const fail = (err: StoreError) => {
      if (!ready) rejectReady(new StoreError('CANOPY_STORE_OPEN', `could not open the SQLite store: ${err.message}`, { cause: err }));
      stopped ??= err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };

    const send = (request: SqliteRequest): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, request } satisfies SqliteCall);
      });

    worker.on('message', (message: SqliteWorkerMessage) => {
      if (message.kind === 'ready') {
        ready = true;
        resolveReady(rpc);
        return;
      }
      const p = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) p?.resolve(message.result);
      else p?.reject(new StoreError('CANOPY_STORE_SQLITE', message.message));
    });
    worker.on('error', (err) => fail(new StoreError('CANOPY_STORE_WORKER', `SQLite worker crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new StoreError('CANOPY_STORE_WORKER', `SQLite worker exited (code ${code})`)));

    const rpc: SqliteRpc = {
      call<R extends SqliteRequest>(request: R) {
        if (stopped) return Promise.reject(stopped);
        // The worker answers each op with its SqliteResults type (sqliteWorker.ts).
        return send(request) as Promise<SqliteResults[R['op']]>;
      },
      close() {
        closing ??= (async () => {
          if (stopped) return;
          stopped = new StoreError('CANOPY_STORE_CLOSED', 'the SQLite store is closed');
          try {
            await send({ op: 'close' });
          } finally {
            await worker.terminate();
          }
        })();
        return closing;
      },
    };
  });
}
