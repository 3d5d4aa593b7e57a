/**
 * Worker thread owning the SQLite connection. Calls are answered one at a time in arrival order;
 * an error in one call is sent back as that call's failure, anything else crashes the worker and
 * the store rejects whatever was pending.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSeriesDb, type SeriesDb } from './sqliteDb.ts';
import type { SqliteCall, SqliteRequest, SqliteWorkerData, SqliteWorkerMessage } from './sqliteProtocol.ts';

const port = parentPort;
if (!port) throw new Error('sqliteWorker.ts runs as a worker thread, not as a script');

// Throws when the file cannot be opened: the worker dies before `ready` and the store reports it.
const db = openSeriesDb((workerData as SqliteWorkerData).file);

function handle(request: SqliteRequest, store: SeriesDb): unknown {
  switch (request.op) {
    case 'write':
      store.write(request.readings);
      return null;
    case 'latest':
      return store.latest(request.greenhouses);
    case 'range':
      return store.range(request.query);
    case 'deleteGreenhouses':
      store.deleteGreenhouses(request.greenhouses);
      return null;
    case 'aggregateRaw':
      return store.aggregateRaw(request.hours, request.stepMs);
    case 'aggregateLevel':
      return store.aggregateLevel(request.level, request.from, request.to, request.stepMs);
    case 'writeRollups':
      store.writeRollups(request.level, request.rows);
      return null;
    case 'dirtyHours':
      return store.dirtyHours(request.markedSince, request.within);
    case 'readCursor':
      return store.readCursor() ?? null;
    case 'writeCursor':
      store.writeCursor(request.cursor);
      return null;
    case 'readBackfilledFrom':
      return store.readBackfilledFrom() ?? null;
    case 'writeBackfilledFrom':
      store.writeBackfilledFrom(request.from);
      return null;
    case 'oldestRollup':
      return store.oldestRollup(request.level) ?? null;
    case 'deleteBefore':
      return store.deleteBefore(request.source, request.cutoff);
    case 'close':
      store.close();
      return null;
  }
}

port.on('message', ({ id, request }: SqliteCall) => {
  let reply: SqliteWorkerMessage;
  try {
    reply = { kind: 'reply', id, ok: true, result: handle(request, db) };
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    reply = { kind: 'reply', id, ok: false, message: `${typeof code === 'string' ? `${code}: ` : ''}${String(message)}` };
  }
  port.postMessage(reply);
  if (request.op === 'close') port.close();
});

port.postMessage({ kind: 'ready' } satisfies SqliteWorkerMessage);
