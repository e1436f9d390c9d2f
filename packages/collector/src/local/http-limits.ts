import type { Server, ServerResponse } from 'node:http';

/**
 * How long the local server waits for slow clients, how many it serves at once and how
 * long it lets requests finish when told to stop. One place for these rules, so that the
 * defaults below are what `npm start` runs with and tests shrink them through
 * LocalStackOptions.limits.
 */
export interface HttpLimits {
  /** A client that has not sent its whole request head by then is answered 408 and cut off. */
  headersTimeoutMs: number;
  /** The same for the whole request, body included. */
  requestTimeoutMs: number;
  /** An API request whose body has not fully arrived by then is answered 408 and cut off. */
  bodyTimeoutMs: number;
  /** A socket with nothing sent either way for this long is closed (a client that stopped reading). */
  idleTimeoutMs: number;
  /** Connections past this are dropped as they arrive. */
  maxConnections: number;
  /** On close, in-flight requests get this long to finish before their sockets are cut. */
  drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 20_000,
  idleTimeoutMs: 60_000,
  maxConnections: 256,
  drainTimeoutMs: 10_000,
};

export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * The createServer options for these limits. Node checks the head and request timeouts
 * only every `connectionsCheckingInterval` (30 s by default, so a 10 s timeout could take
 * 40 s); checking every second costs a walk over the open connections.
 */
export function serverOptions(limits: HttpLimits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs, limits.requestTimeoutMs),
  };
}

/**
 * Sent with every answer, static or API, errors included. The dashboard's own policy sits
 * in a <meta> tag, which cannot say `frame-ancestors`; both policies apply, so this one
 * only adds what no page here needs (being framed, <base>, plugins) and leaves scripts,
 * styles and connections to the pages (the examples run inline scripts).
 */
export const SECURITY_HEADERS = {
  'Content-Security-Policy': "frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
} as const;

/** Set before the answer's own headers, which writeHead merges over these. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

interface Tracked {
  limits: HttpLimits;
  draining: boolean;
  inFlight: Set<ServerResponse>;
  onIdle: Set<() => void>;
}

const tracked = new WeakMap<Server, Tracked>();

/** Applies the limits Node cannot take as createServer options, and tracks in-flight requests for drain(). */
export function applyLimits(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  const state: Tracked = { limits, draining: false, inFlight: new Set(), onIdle: new Set() };
  tracked.set(server, state);
  server.on('request', (_req, res: ServerResponse) => {
    state.inFlight.add(res);
    if (state.draining) closeAfter(res);
    // 'close' comes once the answer is sent or the socket is gone, whichever is first.
    res.once('close', () => {
      state.inFlight.delete(res);
      if (state.inFlight.size) return;
      for (const resolve of state.onIdle) resolve();
      state.onIdle.clear();
    });
  });
}

/**
 * Stops taking connections, lets the requests in flight finish (for at most the drain
 * timeout), then cuts every socket left. Keep-alive sockets with no request are closed at
 * once; those in flight are told `Connection: close`, so that each closes once answered
 * rather than bring in another request.
 */
export async function drain(server: Server): Promise<void> {
  const state = tracked.get(server);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (state?.inFlight.size) {
    state.draining = true;
    for (const res of state.inFlight) closeAfter(res);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, state.limits.drainTimeoutMs);
      function finish() {
        clearTimeout(timer);
        state!.onIdle.delete(finish);
        resolve();
      }
      state.onIdle.add(finish);
    });
  }
  server.closeAllConnections();
  await closed;
}

function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
