import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { failure } from '../http/response.js';
import type { ProxyHandler } from '../http/route.js';
import { flushAllBeforeRead } from '../service/rollup-flush.js';
import { resetDocumentClient } from '../store/client.js';
import { ensureTables } from '../store/create-tables.js';
import { sendProxyResult, toProxyEvent } from './adapter.js';
import { startDynalite, type EmbeddedStore } from './dynalite.js';
import { serveFile } from './static-files.js';

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
  /**
   * How often every site's rollup deltas are flushed, in ms (0: only when read). AWS runs
   * its flush once a minute; locally it runs more often, so that a dashboard opened after
   * an import (npm run demo) finds the rollups written.
   */
  flushEveryMs?: number;
}

export interface LocalStack {
  url: string;
  storeEndpoint: string;
  close(): Promise<void>;
}

const FLUSH_EVERY_MS = 5_000;

/**
 * One process that serves the API through the Lambda handlers, the dashboard, the
 * tracker's CDN build and the example sites, on an embedded dynalite.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const store: EmbeddedStore = options.storeEndpoint
    ? { endpoint: options.storeEndpoint, close: async () => {} }
    : await startDynalite(options.dataDir);
  let server: Server | undefined;
  try {
    process.env.DYNAMODB_ENDPOINT = store.endpoint;
    resetDocumentClient();
    await ensureTables(
      new DynamoDBClient({
        endpoint: store.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const routes = await loadRoutes();
    const statics: [prefix: string, root: string][] = [
      ['/sdk/', options.sdkDir ?? `${REPO_ROOT}packages/sdk/dist/cdn`],
      ['/examples/', options.examplesDir ?? `${REPO_ROOT}examples`],
      ['/', options.dashboardDir ?? `${REPO_ROOT}packages/dashboard/dist`],
    ];
    server = createServer((req, res) => {
      handle(req, res, routes, statics).catch((error) => {
        console.error(error);
        if (!res.headersSent) sendProxyResult(res, failure(500, 'Internal error'));
        else res.destroy();
      });
    });
    // Beacons sent while a page unloads arrive on keep-alive sockets; keep them short.
    server.keepAliveTimeout = 5_000;
    await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (error) {
    await store.close();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  // What the scheduled flush function does in AWS: readers flush too, this covers the rest.
  const flushEveryMs = options.flushEveryMs ?? FLUSH_EVERY_MS;
  const flusher = flushEveryMs > 0 ? setInterval(() => void flushAllBeforeRead(), flushEveryMs) : undefined;
  flusher?.unref();
  return {
    url: `http://${host}:${port}`,
    storeEndpoint: store.endpoint,
    close: () => {
      clearInterval(flusher);
      return closeAll(server!, store);
    },
  };
}

async function loadRoutes(): Promise<Map<string, ProxyHandler>> {
  // Imported after DYNAMODB_ENDPOINT is set, as Lambda imports them with its env.
  const [events, realtime, stats, sites] = await Promise.all([
    import('../handlers/events.js'),
    import('../handlers/realtime.js'),
    import('../handlers/stats.js'),
    import('../handlers/sites.js'),
  ]);
  return new Map([
    ['/api/events', events.handler],
    ['/api/realtime', realtime.handler],
    ['/api/stats', stats.handler],
    ['/api/sites', sites.handler],
  ]);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Map<string, ProxyHandler>,
  statics: [string, string][],
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/api' || path.startsWith('/api/')) {
    const handler = routes.get(path);
    if (!handler) return sendProxyResult(res, failure(404, `No such endpoint: ${url.pathname}`));
    const body = await readBody(req);
    if (!body) return sendProxyResult(res, failure(413, `Body is larger than ${MAX_REQUEST_BYTES} bytes`));
    return sendProxyResult(res, await handler(toProxyEvent(req, body, url)));
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
    // Client-side routes of an example SPA (`/examples/spa/about`) load its index.html.
    const example = rest.split('/')[0];
    if (prefix === '/examples/' && example && !extname(rest) && (await serveFile(res, root, `${example}/`)) === 'served') {
      return;
    }
    break;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
}

/** The request body, or undefined when it is larger than MAX_REQUEST_BYTES. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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

async function closeAll(server: Server, store: EmbeddedStore): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  resetDocumentClient();
  await store.close();
}
