/// <reference path="../types/dynalite.d.ts" />
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import dynalite from 'dynalite';

export interface EmbeddedStore {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a free loopback port: on disk (LevelDB) when `dataDir` is given,
 * in memory otherwise. It speaks DynamoDB's real protocol, so the collector talks to it
 * through the same document client it uses against AWS.
 */
export async function startDynalite(dataDir?: string): Promise<EmbeddedStore> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const server = withStoreErrorsAnswered(() => dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Callback = (error: unknown, ...results: unknown[]) => void;

/** The part of dynalite's store (dynalite/db's create()) that LevelDB errors come out of. */
interface LevelCalls {
  put(key: string, value: unknown, callback?: Callback): unknown;
  del(key: string, callback?: Callback): unknown;
  batch(operations: unknown[], callback?: Callback): unknown;
  get(key: string, callback?: Callback): unknown;
}

interface DynaliteDb {
  create(options: unknown): { db: LevelCalls };
}

const require = createRequire(import.meta.url);

/**
 * dynalite rethrows any store error that carries no HTTP status (`if (err) throw err`, in
 * a LevelDB callback, where no caller can catch it), so a full disk or a read-only data
 * dir would kill the whole process. It answers an error that does carry one, so its
 * LevelDB calls are wrapped, while `start` creates the store, to give their errors the
 * status and body of DynamoDB's own InternalServerError: dynalite answers 500, the SDK
 * retries, and the collector answers 503 (store/failures.ts) and stays up. Reads that
 * need no write keep working.
 */
function withStoreErrorsAnswered(start: () => Server): Server {
  // The same module instance dynalite's index.js required: its create() is looked up at call time.
  const db = require('dynalite/db') as DynaliteDb;
  const create = db.create;
  db.create = (options) => {
    const store = create(options);
    for (const method of ['put', 'del', 'batch', 'get'] as const) {
      const call = store.db[method] as (...args: unknown[]) => unknown;
      store.db[method] = (...args: unknown[]) => {
        const callback = args[args.length - 1];
        if (typeof callback !== 'function') return call.apply(store.db, args);
        return call.apply(store.db, [...args.slice(0, -1), (error: unknown, ...results: unknown[]) => callback(answerable(error), ...results)]);
      };
    }
    return store;
  };
  try {
    return start();
  } finally {
    db.create = create;
  }
}

/** Errors dynalite handles itself (an absent key, an undecodable table entry) pass as they are. */
const HANDLED_CODES = new Set(['LEVEL_NOT_FOUND', 'LEVEL_DECODE_ERROR']);

function answerable(error: unknown): unknown {
  if (!error || typeof error !== 'object') return error;
  const e = error as { name?: string; code?: string; message?: string; statusCode?: number; body?: unknown };
  if (e.statusCode || e.name === 'NotFoundError' || (e.code && HANDLED_CODES.has(e.code))) return error;
  console.error(JSON.stringify({ level: 'error', msg: 'embedded store failed', code: e.code, error: e.message }));
  e.statusCode = 500;
  e.body = { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `The local store failed: ${e.message ?? String(error)}` };
  return error;
}
