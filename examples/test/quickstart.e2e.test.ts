import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's newcomer path, with the real commands: `npm start` (here with a key, as
 * the README's demo section says), then `npm run demo` in a second "terminal".
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'dev-key';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts an npm command at the repository root in its own process group (so a signal reaches the server under npm). */
function npm(args: string[], env: Record<string, string>): Run {
  const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, DYNAMODB_ENDPOINT: '', ...env }, detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** True while any process of the group (npm, the shell, the server) is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('quick start: npm start, then npm run demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'liveinsight-quickstart-'));
  let server: Run | undefined;

  afterAll(async () => {
    // Only if the test stopped before shutting the server down itself.
    if (server?.child.pid && groupAlive(server.child.pid)) {
      process.kill(-server.child.pid, 'SIGTERM');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the dashboard, the tracker and both examples, takes the demo, and stops cleanly', { timeout: 240_000 }, async () => {
    server = npm(['start'], { PORT: '0', LIVEINSIGHT_DATA_DIR: dataDir, LIVEINSIGHT_API_KEY: KEY });
    // npm start may build what is stale first: allow for it.
    await expect.poll(() => server!.output(), { timeout: 180_000, interval: 250 }).toMatch(/Dashboard\s+http:\/\/\S+\//);
    const url = server.output().match(/Dashboard\s+(http:\/\/\S+?)\/\s/)![1]!;
    const port = new URL(url).port;

    const get = async (path: string) => {
      const response = await fetch(url + path, { headers: { 'X-API-Key': KEY } });
      return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
    };
    expect(await get('/')).toMatchObject({ status: 200, type: expect.stringContaining('text/html') });
    expect(await get('/sdk/liveinsight.js')).toMatchObject({ status: 200, type: expect.stringContaining('javascript') });
    expect(await get('/sdk/liveinsight.ext.js')).toMatchObject({ status: 200, type: expect.stringContaining('javascript') });
    expect((await get('/examples/script-tag/')).text).toContain('/sdk/liveinsight.ext.js');
    // A client-side route of the SPA gets its index.html, which loads the bundle npm start built.
    expect((await get('/examples/spa/products/kettle')).text).toContain('/examples/spa/build/app.js');
    expect(await get('/examples/spa/build/app.js')).toMatchObject({ status: 200, type: expect.stringContaining('javascript') });
    expect((await fetch(`${url}/api/sites`)).status).toBe(401);

    // The second terminal. The root `npm run demo` runs this workspace script; the
    // options keep the test small.
    const demo = npm(['run', 'demo', '-w', '@liveinsight/examples', '--', '--days', '1', '--sessions', '20'], {
      PORT: port,
      LIVEINSIGHT_API_KEY: KEY,
    });
    expect(await demo.exited, demo.output()).toBe(0);
    expect(demo.output()).toMatch(/\d+ taken, 0 rejected/);
    expect(demo.output()).toContain(`Open the dashboard: ${url}/#site=`);

    const sites = JSON.parse((await get('/api/sites')).text).data.sites.map((s: { site_id: string }) => s.site_id);
    expect(sites.sort()).toEqual(['blog.example', 'saas.example', 'shop.example']);

    // Ctrl+C in a terminal signals the whole foreground group: npm and the server under it.
    process.kill(-server.child.pid!, 'SIGINT');
    await server.exited;
    expect(server.output()).toContain('SIGINT: closing');
    await expect.poll(() => groupAlive(server!.child.pid!), { timeout: 10_000 }).toBe(false);
    expect(server.output()).not.toMatch(/Error|EADDRINUSE|unhandled/i);
  });
});
