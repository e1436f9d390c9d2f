import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../../../../../test/support/browser.js';
import type { TrackerEvent } from '../../../src/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SCENARIOS = join(HERE, '..');
const CDN = join(HERE, '../../../dist/cdn');
const README = join(HERE, '../../../README.md');

/** One POST /api/events as it reached the test site, before the collector. */
export interface Logged {
  status: number;
  events: TrackerEvent[];
  /** `no-cors` for a sendBeacon with a text/plain body, `cors` for fetch. */
  mode: string | undefined;
  contentType: string | undefined;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * A browser, the real local stack, and in front of it a small site that serves the
 * scenario pages (test/browser/NN_name/), the built CDN scripts at /sdk/, and /api/*
 * by proxy to the stack. The proxy logs each batch exactly as the browser sent it,
 * and answers 503 (as the collector does when its storage is down) while `down`.
 */
export function useSite() {
  const log: Logged[] = [];
  const site = { url: '', down: false, log, stack: undefined as unknown as LocalStack, browser: undefined as unknown as Browser };
  let server: Server;

  beforeAll(async () => {
    site.stack = await startLocalStack({ port: 0 });
    server = createServer((req, res) => {
      handle(req, res).catch((error) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    site.browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await site.browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await site.stack?.close();
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://site');
    if (url.pathname.startsWith('/api/')) return proxy(req, res, url);
    if (url.pathname.startsWith('/sdk/')) return serve(res, join(CDN, url.pathname.slice(5)));
    const path = normalize(join(SCENARIOS, url.pathname));
    const file = extname(path) ? path : url.pathname.endsWith('/') ? join(path, 'index.html') : path;
    // Client-side routes of a scenario (no extension, no file) load its index.html.
    const fallback = join(SCENARIOS, url.pathname.split('/')[1] ?? '', 'index.html');
    const headers: Record<string, string> = url.searchParams.has('sandbox')
      ? // An opaque origin: every storage access throws, as with blocked storage.
        { 'Content-Security-Policy': 'sandbox allow-scripts' }
      : {};
    await serve(res, file, headers).catch(() => serve(res, fallback, headers));
  }

  async function serve(res: ServerResponse, file: string, headers: Record<string, string> = {}) {
    let body = await readFile(file);
    if (file.endsWith('.html')) body = Buffer.from(String(body).replace('<!-- README STUB -->', await readmeStub()));
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', ...headers }).end(body);
  }

  async function proxy(req: IncomingMessage, res: ServerResponse, url: URL) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = site.down
      ? new Response(JSON.stringify({ status: 'error', message: 'storage is down' }), {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' },
        })
      : await fetch(site.stack.url + url.pathname + url.search, {
          method: req.method,
          headers,
          body: req.method == 'GET' || req.method == 'HEAD' ? undefined : body,
        });
    if (req.method == 'POST' && url.pathname == '/api/events') {
      log.push({
        status: upstream.status,
        events: JSON.parse(String(body)).events,
        mode: req.headers['sec-fetch-mode'] as string | undefined,
        contentType: req.headers['content-type'],
      });
    }
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers)).end(Buffer.from(await upstream.arrayBuffer()));
  }

  return site;
}

let stub: string | undefined;
/** The README's pre-load stub, so that the pages test the snippet site owners copy. */
async function readmeStub(): Promise<string> {
  stub ??= (await readFile(README, 'utf8')).match(/<script>window\.liveinsight\|\|.*?<\/script>/)![0];
  return stub;
}

/** Page views of a site as the collector reports them (GET /api/stats). */
export async function pageviews(stack: LocalStack, siteId: string): Promise<number> {
  const response = await fetch(`${stack.url}/api/stats?site_id=${encodeURIComponent(siteId)}&period=24h`);
  const body = (await response.json()) as { data?: { totals?: { pageviews?: number } } };
  return body.data?.totals?.pageviews ?? 0;
}

/** A new page that records what it throws (uncaught errors and rejections) into `errors`. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/** Waits until the script has replaced the stub (or created) window.liveinsight. */
export async function trackerReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const global = (window as unknown as { liveinsight?: { q?: unknown } }).liveinsight;
    return typeof global == 'function' && !(global as { q?: unknown }).q;
  });
}
