import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTO_SITES_ENV } from '../functions.js';
import { failure } from '../http/response.js';
import { matchRoute, ROUTE_HANDLERS, ROUTES, type RouteHandler } from '@liveinsight/contract';
import type { ProxyHandler, StreamingHandler } from '../http/route.js';
import { setEventsStream } from '../stream/events-stream.js';
import { resetDocumentClient } from '../store/client.js';
import { ensureTablesAt } from '../store/create-tables.js';
import { sendAnswer, sendProxyResult, toProxyEvent, type LocalHandler } from './adapter.js';
import { startDynalite, type EmbeddedStore } from './dynalite.js';
import { applyLimits, drain, httpLimits, serverOptions, setSecurityHeaders, type HttpLimits } from './http-limits.js';
import { serveFile } from './static-files.js';
import { openStreamLog, type StreamLog } from './stream-log.js';
import { openLocalArchive } from '../archive/local-archive.js';
import { setQueryEngine, type QueryEngine } from '../query/engine.js';
import type { Consumer } from '../stream/delivery.js';

/** The repository root: src/local and dist/local both sit four levels below it. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Bodies past this are refused before they reach a handler (API Gateway caps at 10 MB). */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface LocalStackOptions {
  port?: number;
  host?: string;
  /** On-disk data folder; omit for an in-memory store (tests). */
  dataDir?: string;
  /**
   * A DynamoDB endpoint to use instead of starting the embedded dynalite (the bench runs
   * dynalite in its own process so that store and server each get a core). Tables are
   * created there if missing; closing the stack leaves that store running.
   */
  storeEndpoint?: string;
  /** Folders served as static files; default to this repository's build outputs. */
  dashboardDir?: string;
  sdkDir?: string;
  examplesDir?: string;
  /** Timeouts and the connection cap; each defaults to http-limits.ts (tests shrink them). */
  limits?: Partial<HttpLimits>;
}

export interface LocalStack {
  url: string;
  storeEndpoint: string;
  /** The event archive's folder (archive/local-archive.ts). */
  archiveDir: string;
  /** Turns the archive writer off and on (the bench compares ingest with and without it). */
  setArchiving(on: boolean): void;
  /** Resolves once the stream's consumer has counted everything put so far (or after `timeoutMs`). */
  caughtUp(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * One process that serves the API through the Lambda handlers, the dashboard, the
 * tracker's CDN build and the example sites, on an embedded dynalite.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const store: EmbeddedStore = options.storeEndpoint
    ? { endpoint: options.storeEndpoint, close: async () => {} }
    : await startDynalite(options.dataDir);
  let server: Server | undefined;
  let log: StreamLog | undefined;
  let streamDir: string | undefined;
  let archiveDir: string | undefined;
  let engine: (QueryEngine & { close(): void }) | undefined;
  let closeArchive = () => {};
  let archiving = true;
  try {
    process.env.DYNAMODB_ENDPOINT = store.endpoint;
    // Locally a site is registered by its first event unless told otherwise: the
    // newcomer's path (npm start, then a page with the script) needs no admin step.
    process.env[AUTO_SITES_ENV] ??= '1';
    resetDocumentClient();
    await ensureTablesAt(store.endpoint);
    // The events stream: a durable log under the data dir (a throwaway one for an in-memory
    // store), consumed by the same handler Lambda runs.
    streamDir = options.dataDir ? join(options.dataDir, 'stream') : mkdtempSync(join(tmpdir(), 'liveinsight-stream-'));
    // The event archive, as Firehose keeps it in S3: files under the data dir (a throwaway
    // folder next to the stream's for an in-memory store), read by DuckDB.
    archiveDir = options.dataDir ? join(options.dataDir, 'archive') : join(streamDir, 'archive');
    const archive = openLocalArchive(archiveDir);
    const { duckdbEngine } = await import('../query/duckdb-engine.js');
    engine = duckdbEngine(archiveDir);
    setQueryEngine(engine);
    const { handler: count } = await import('../handlers/aggregate.js');
    // In AWS Firehose reads the stream on its own; here the archive takes each batch before
    // the counting does, so a batch delivered again is archived again (readers drop copies).
    const consume: Consumer = async (event) => {
      if (archiving) archive.appendBatch(event);
      return count(event);
    };
    closeArchive = () => archive.close();
    log = openStreamLog(streamDir, consume);
    setEventsStream(log);
    const routes = await loadRoutes(log);
    const statics: [prefix: string, root: string][] = [
      ['/sdk/', options.sdkDir ?? `${REPO_ROOT}packages/sdk/dist/cdn`],
      ['/examples/', options.examplesDir ?? `${REPO_ROOT}examples`],
      ['/', options.dashboardDir ?? `${REPO_ROOT}packages/dashboard/dist`],
    ];
    const limits = httpLimits(options.limits);
    server = createServer(serverOptions(limits), (req, res) => {
      handle(req, res, routes, statics, limits).catch((error) => {
        console.error(error);
        if (!res.headersSent) sendProxyResult(res, failure(500, 'Internal error'));
        else res.destroy();
      });
    });
    // Beacons sent while a page unloads arrive on keep-alive sockets; keep them short.
    server.keepAliveTimeout = 5_000;
    applyLimits(server, limits);
    await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (error) {
    await store.close();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    storeEndpoint: store.endpoint,
    archiveDir: archiveDir!,
    setArchiving: (on) => {
      archiving = on;
    },
    caughtUp: (timeoutMs) => log!.caughtUp(timeoutMs),
    close: () => {
      // The consumer stops (finishing its batch) after the last request and before the store.
      return closeAll(server!, store, async () => {
        await log?.close();
        setEventsStream(undefined);
        closeArchive();
        engine?.close();
        setQueryEngine(undefined);
        if (!options.dataDir && streamDir) rmSync(streamDir, { recursive: true, force: true });
      });
    },
  };
}

async function loadRoutes(log: StreamLog): Promise<Routes> {
  // Imported after DYNAMODB_ENDPOINT is set, as Lambda imports them with its env.
  // Literal imports (bundlers and vite resolve them); the Record makes a route without one a type error.
  // A streaming handler's module gives the local server `respond` (its `handler` is Lambda's streamified one).
  const proxy = (m: { handler: ProxyHandler }): LocalHandler => m.handler;
  const streaming = (m: { respond: StreamingHandler }): LocalHandler => m.respond;
  const modules: Record<RouteHandler, () => Promise<LocalHandler>> = {
    events: () => import('../handlers/events.js').then(proxy),
    realtime: () => import('../handlers/realtime.js').then(proxy),
    stats: () => import('../handlers/stats.js').then(proxy),
    sites: () => import('../handlers/sites.js').then(proxy),
    admin: () => import('../handlers/admin.js').then(proxy),
    query: () => import('../handlers/query.js').then(proxy),
    export: () => import('../handlers/export.js').then(streaming),
  };
  const handlers = new Map(await Promise.all(ROUTE_HANDLERS.map(async (name) => [name, await modules[name]()] as const)));
  // Reads wait for the consumer to count what was put before them: read-your-writes,
  // which a dashboard opened right after an import (npm run demo) expects.
  const afterCatchUp =
    (handler: LocalHandler): LocalHandler =>
    async (event) => {
      await log.caughtUp();
      return handler(event);
    };
  return (path, method) => {
    const match = matchRoute(path, method);
    if (!match) return undefined;
    // A method the path does not take goes to the path's first handler, which answers 405.
    const route = match.route ?? ROUTES.find((r) => r.path === match.path)!;
    const handler = handlers.get(route.handler)!;
    const reads = method === 'GET' || route.handler === 'query';
    return { resource: match.path, params: match.params, handler: reads ? afterCatchUp(handler) : handler };
  };
}

/** The handler of a request path and method, as API Gateway would pick it, with the resource and its parameters. */
type Routes = (path: string, method: string) => { resource: string; params: Record<string, string>; handler: LocalHandler } | undefined;

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Routes,
  statics: [string, string][],
  limits: HttpLimits,
): Promise<void> {
  setSecurityHeaders(res);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/api' || path.startsWith('/api/')) {
    const found = routes(path, req.method ?? 'GET');
    if (!found) return sendProxyResult(res, failure(404, `No such endpoint: ${url.pathname}`));
    const body = await readBody(req, limits.bodyTimeoutMs);
    if (body === 'gone') return void res.destroy();
    if (body === 'too large') return sendProxyResult(res, failure(413, `Body is larger than ${MAX_REQUEST_BYTES} bytes`));
    if (body === 'too slow') {
      // The rest of the body may never come: answer, then drop the socket.
      res.setHeader('Connection', 'close');
      return sendProxyResult(res, failure(408, `Body did not arrive within ${limits.bodyTimeoutMs} ms`));
    }
    return sendAnswer(res, await found.handler(toProxyEvent(req, body, url, found)));
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  for (const [prefix, root] of statics) {
    if (!url.pathname.startsWith(prefix)) continue;
    const rest = url.pathname.slice(prefix.length);
    const outcome = await serveFile(res, root, rest);
    if (outcome === 'served') return;
    if (outcome === 'directory') {
      res.writeHead(301, { Location: `${url.pathname}/${url.search}` }).end();
      return;
    }
    if (outcome === 'refused') break;
    // Client-side routes of an example SPA (`/examples/spa/about`) load its index.html.
    const example = rest.split('/')[0];
    if (prefix === '/examples/' && example && !extname(rest) && (await serveFile(res, root, `${example}/`)) === 'served') {
      return;
    }
    break;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
}

type BodyOutcome = Buffer | 'too large' | 'too slow' | 'gone';

/**
 * The request body; 'too large' past MAX_REQUEST_BYTES, 'too slow' when it has not all
 * arrived within `timeoutMs` (a client trickling its body must not hold the socket),
 * 'gone' when the client hung up first (nobody to answer, and no fault of ours).
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: BodyOutcome) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) return finish('too large');
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onError = () => finish('gone');
    const timer = setTimeout(() => finish('too slow'), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeAll(server: Server, store: EmbeddedStore, beforeStore: () => Promise<void>): Promise<void> {
  // In-flight requests still use the store: it closes only once they are answered or cut.
  await drain(server);
  try {
    await beforeStore();
  } finally {
    resetDocumentClient();
    await store.close();
  }
}
