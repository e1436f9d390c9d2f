import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../src/local/index.js';
import { CHROME_UA, newSessionId, wireEvent } from './support/api.js';
import { freePort } from './support/ports.js';

/**
 * The local server (`npm start`) against hostile or unlucky clients: symlinks and
 * dotfiles under its static roots, the headers on every answer, clients too slow or too
 * many, a SIGTERM with a request in flight, and a store that cannot write. No test
 * measures time: the limits are shrunk and each test waits for the outcome itself.
 */

const temp = mkdtempSync(join(tmpdir(), 'liveinsight-local-server-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A stack for one describe block, closed after it (stacks share the process's store client, so one at a time). */
function useStack(options: () => LocalStackOptions): { stack: LocalStack; port: number } {
  const env = {} as { stack: LocalStack; port: number };
  beforeAll(async () => {
    env.stack = await startLocalStack({ port: 0, ...options() });
    env.port = Number(new URL(env.stack.url).port);
  }, 60_000);
  afterAll(() => env.stack?.close(), 60_000);
  return env;
}

/** A raw TCP client: what it received, and whether the server has closed it. */
interface RawClient {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves once what was received includes `text`. */
  receives(text: string): Promise<void>;
}

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const waiters: (() => void)[] = [];
    socket.on('data', (chunk) => {
      data += chunk.toString();
      for (const waiter of waiters) waiter();
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        receives: (text) =>
          new Promise<void>((done, fail) => {
            const check = () => data.includes(text) && done();
            waiters.push(check);
            check();
            void closed.then(() => (data.includes(text) ? done() : fail(new Error(`closed before "${text}"; got: ${data}`))));
          }),
      }),
    );
    socket.once('error', reject);
  });
}

function eventsBody(site: string): string {
  return JSON.stringify({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site })], sent_at: Date.now() });
}

function postHead(bodyLength: number, extra = ''): string {
  return `POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${CHROME_UA}\r\nContent-Type: text/plain\r\nContent-Length: ${bodyLength}\r\n${extra}\r\n`;
}

describe('static files', () => {
  const outside = join(temp, 'outside');
  const examples = join(temp, 'examples');
  const env = useStack(() => {
    mkdirSync(join(outside, 'dir'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET');
    writeFileSync(join(outside, 'dir', 'secret.txt'), 'TOP SECRET');
    mkdirSync(join(examples, 'site', '.git'), { recursive: true });
    mkdirSync(join(examples, '.hidden'), { recursive: true });
    writeFileSync(join(examples, 'site', 'index.html'), 'example page');
    writeFileSync(join(examples, 'site', 'page.html'), 'another page');
    writeFileSync(join(examples, 'site', '.git', 'config'), '[core] SECRET');
    writeFileSync(join(examples, '.hidden', 'index.html'), 'SECRET');
    writeFileSync(join(examples, '.env'), 'SECRET=1');
    symlinkSync(join(examples, 'site', 'page.html'), join(examples, 'inside.html'));
    symlinkSync(join(outside, 'secret.txt'), join(examples, 'leak.txt'));
    symlinkSync(join(outside, 'dir'), join(examples, 'leakdir'));
    symlinkSync('/etc/passwd', join(examples, 'passwd'));
    symlinkSync(join(examples, '.env'), join(examples, 'env.txt'));
    const dashboard = join(temp, 'dashboard');
    mkdirSync(dashboard, { recursive: true });
    writeFileSync(join(dashboard, 'index.html'), 'dashboard');
    return { examplesDir: examples, dashboardDir: dashboard, sdkDir: join(temp, 'no-sdk') };
  });

  const get = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${env.stack.url}${path}`, { redirect: 'manual', ...init });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  it('serves files, and symlinks that stay inside the root', async () => {
    expect(await get('/examples/site/')).toMatchObject({ status: 200, text: 'example page' });
    expect(await get('/examples/inside.html')).toMatchObject({ status: 200, text: 'another page' });
    expect(await get('/')).toMatchObject({ status: 200, text: 'dashboard' });
  });

  it.each(['/examples/leak.txt', '/examples/leakdir/secret.txt', '/examples/leakdir/', '/examples/leakdir', '/examples/passwd'])(
    'refuses %s, a symlink out of the root',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('SECRET');
      expect(response.text).not.toContain('root:');
    },
  );

  it.each(['/examples/.env', '/examples/%2Eenv', '/examples/site/.git/config', '/examples/.hidden/', '/examples/.hidden/index.html', '/examples/env.txt'])(
    'refuses %s, a dotfile (or a link to one)',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('SECRET');
    },
  );

  const expectSecurityHeaders = (headers: Headers) => {
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  };

  it.each([
    ['a static file', '/examples/site/', 'GET', 200],
    ['a missing file', '/examples/nothing.html', 'GET', 404],
    ['a redirect to a folder', '/examples/site', 'GET', 301],
    ['a wrong method', '/examples/site/', 'POST', 405],
    ['an API read', '/api/sites', 'GET', 200],
    ['an unknown endpoint', '/api/nothing', 'GET', 404],
    ['a preflight', '/api/events', 'OPTIONS', 204],
  ])('sends the security headers with %s', async (_, path, method, status) => {
    const response = await get(path, { method });
    expect(response.status).toBe(status);
    expectSecurityHeaders(response.headers);
    if (path.startsWith('/api/')) expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('keeps the API answers their own headers', async () => {
    const response = await get('/api/events', { method: 'POST', body: eventsBody('headers.test'), headers: { 'User-Agent': CHROME_UA } });
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('content-type')).toContain('application/json');
  });
});

describe('slow clients', () => {
  // Only the limit under test is small: no other timeout can close these sockets within the test's time.
  const env = useStack(() => ({ limits: { headersTimeoutMs: 300, bodyTimeoutMs: 300 } }));

  it('cuts off a client that never finishes its request head', async () => {
    const client = await rawClient(env.port);
    client.socket.write('GET /examples/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 408 to a client that never finishes its body, and closes the socket', async () => {
    const client = await rawClient(env.port);
    client.socket.write(`${postHead(1_000)}{"events":[`);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(client.received()).toContain('"status":"error"');
    expect(client.received().toLowerCase()).toContain('connection: close');
  });
});

describe('idle connections', () => {
  const env = useStack(() => ({ limits: { idleTimeoutMs: 300 } }));

  it('closes a connection that sends nothing', async () => {
    const client = await rawClient(env.port);
    await client.closed;
    expect(client.received()).toBe('');
  });
});

describe('the connection cap', () => {
  // Held requests wait for their bodies: nothing but the cap may close them during the test.
  const env = useStack(() => ({ limits: { maxConnections: 2, bodyTimeoutMs: 120_000, requestTimeoutMs: 120_000 } }));

  it('drops connections past maxConnections and takes new ones once a slot is free', async () => {
    // Two requests held in flight: `100 Continue` proves the server took each one.
    const held = await Promise.all([rawClient(env.port), rawClient(env.port)]);
    for (const client of held) client.socket.write(postHead(100, 'Expect: 100-continue\r\n'));
    await Promise.all(held.map((client) => client.receives('100 Continue')));

    const third = await rawClient(env.port);
    third.socket.write('GET /api/sites HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await third.closed;
    expect(third.received()).toBe('');

    held[0]!.socket.destroy();
    // The server frees the slot once it has seen that close: retry until it has.
    let answered = '';
    for (let attempt = 0; attempt < 100 && !answered; attempt++) {
      const client = await rawClient(env.port);
      client.socket.write('GET /api/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      await client.closed;
      answered = client.received();
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered).toMatch(/^HTTP\/1\.1 200/);
    held[1]!.socket.destroy();
  });
});

describe('a store that cannot write', () => {
  const dataDir = join(temp, 'data');
  const env = useStack(() => ({ dataDir }));

  /**
   * A full disk, as LevelDB reports it. Injected into the LevelDB class dynalite uses (this
   * process runs the stack): chmod cannot do it, as LevelDB writes through files it already
   * holds open, and root ignores the mode anyway.
   */
  function failWrites(): () => void {
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const proto = (fromDynalite('level') as { Level: { prototype: Record<string, unknown> } }).Level.prototype;
    const saved = { _put: proto._put, _del: proto._del, _batch: proto._batch };
    const fail = async () => {
      throw Object.assign(new Error(`IO error: ${dataDir}/000005.log: No space left on device`), { code: 'LEVEL_IO_ERROR' });
    };
    Object.assign(proto, { _put: fail, _del: fail, _batch: fail });
    return () => Object.assign(proto, saved);
  }

  const post = (site: string) =>
    fetch(`${env.stack.url}/api/events`, { method: 'POST', body: eventsBody(site), headers: { 'User-Agent': CHROME_UA } });

  it('answers 503 with Retry-After, keeps serving reads, and takes writes again once the disk is back', async () => {
    expect((await post('before.test')).status).toBe(200);
    await env.stack.caughtUp();

    const restore = failWrites();
    try {
      // A site not seen yet: its registration is a store write.
      const refused = await post('during.test');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(await refused.json()).toMatchObject({ status: 'error' });

      const stats = await fetch(`${env.stack.url}/api/stats?site_id=before.test&period=24h`);
      expect(stats.status).toBe(200);
      expect((await stats.json()).data.totals.pageviews).toBe(1);
      expect((await fetch(`${env.stack.url}/api/sites`)).status).toBe(200);
    } finally {
      restore();
    }
    expect((await post('during.test')).status).toBe(200);
  }, 60_000);
});

describe('SIGTERM', () => {
  const MAIN = fileURLToPath(new URL('../src/local/main.ts', import.meta.url));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });

  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      // This process may have pointed DYNAMODB_ENDPOINT at a store it has since closed; the child starts its own.
      env: { ...process.env, DYNAMODB_ENDPOINT: '', PORT: String(port), LIVEINSIGHT_DATA_DIR: join(temp, 'sigterm-data'), LIVEINSIGHT_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const outputIncludes = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => output.includes(text) && resolve();
        child!.stdout!.on('data', check);
        child!.once('exit', (code) => reject(new Error(`exited (${code}) before "${text}":\n${output}`)));
        check();
      });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await outputIncludes('LiveInsight is running');

    // A request in flight: the server took it (100 Continue) and waits for the rest of its body.
    const body = eventsBody('sigterm.test');
    const client = await rawClient(port);
    client.socket.write(postHead(Buffer.byteLength(body), 'Expect: 100-continue\r\n'));
    await client.receives('100 Continue');
    client.socket.write(body.slice(0, 10));

    child.kill('SIGTERM');
    await outputIncludes('SIGTERM: closing');
    let isRefused = false;
    for (let attempt = 0; attempt < 100 && !isRefused; attempt++) {
      isRefused = await refused(port);
      if (!isRefused) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isRefused).toBe(true);

    client.socket.write(body.slice(10));
    await client.closed;
    const answer = client.received();
    expect(answer).toMatch(/HTTP\/1\.1 200/);
    expect(answer).toContain('"accepted":1');
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(await exited).toBe(0);
  }, 120_000);
});
