import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';

/**
 * `npm run sites` and `npm run keys` as a user runs them: separate processes, against a
 * running stack over HTTP, and on a stopped stack's data dir directly.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);
const ADMIN = 'scripts-test-admin-key';

async function script(name: 'sites' | 'keys', args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(TSX, [join(ROOT, `scripts/${name}.ts`), ...args], {
      cwd: ROOT,
      env: { ...process.env, DYNAMODB_ENDPOINT: '', LIVEINSIGHT_API_KEY: '', LIVEINSIGHT_API_URL: '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

/** A loopback port that was free a moment ago, and is closed now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('admin scripts against a running stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    process.env.LIVEINSIGHT_API_KEY = ADMIN;
    process.env.LIVEINSIGHT_AUTO_SITES = '0';
    stack = await startLocalStack({ port: 0 });
  }, 60_000);
  afterAll(async () => {
    delete process.env.LIVEINSIGHT_API_KEY;
    delete process.env.LIVEINSIGHT_AUTO_SITES;
    await stack?.close();
  });
  const api = (path: string, key: string) => fetch(`${stack.url}${path}`, { headers: { 'X-API-Key': key } });

  it('add, list and remove sites; a trailing /api and the environment defaults are accepted', async () => {
    const env = { LIVEINSIGHT_API_URL: `${stack.url}/api`, LIVEINSIGHT_API_KEY: ADMIN };
    const added = await script('sites', ['add', 'shop.example', '--hostname', 'shop.example', '--hostname', '*.shop.example'], env);
    expect([added.code, added.stdout.trim()]).toEqual([0, 'Added shop.example (events from: shop.example, *.shop.example)']);
    const listed = await script('sites', ['list', '--endpoint', stack.url, '--key', ADMIN]);
    expect(listed.stdout).toMatch(/^shop\.example\t0 page views in 24 h\tsince \d{4}-/m);
    const again = await script('sites', ['add', 'shop.example'], env);
    expect([again.code, again.stderr.trim()]).toEqual([1, 'Error 409: Site shop.example exists']);
    const removed = await script('sites', ['remove', 'shop.example'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout.trim()).toMatch(/^Removed shop\.example: \d+ rollup items, 0 sessions; taken out of 0 keys' site lists$/);
    expect((await script('sites', ['list'], env)).stdout).toContain('No sites yet');
  });

  it('create prints the key alone on the last line; it opens what its scopes allow; revoke closes it', async () => {
    const env = { LIVEINSIGHT_API_URL: stack.url, LIVEINSIGHT_API_KEY: ADMIN };
    await script('sites', ['add', 'blog.example'], env);
    const created = await script('keys', ['create', '--name', 'dashboard', '--scope', 'read', '--site', 'blog.example'], env);
    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^li_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect((await api('/api/stats?site_id=blog.example&period=today', key)).status).toBe(200);
    expect((await api('/api/keys', key)).status).toBe(403);

    const listed = await script('keys', ['list'], env);
    expect(listed.stdout).toMatch(/^dashboard\tread\tblog\.example\tlast used \d{4}-/m);
    expect(listed.stdout).not.toContain(key.split('.')[1]);

    const multi = await script('keys', ['create', '--name', 'importer', '--scope', 'backfill', '--scope', 'read'], env);
    expect(multi.stdout).toContain('scopes backfill, read; sites all');

    expect((await script('keys', ['revoke', 'dashboard'], env)).stdout).toMatch(/^Revoked dashboard at \d{4}-/);
    expect((await api('/api/stats?site_id=blog.example&period=today', key)).status).toBe(401);

    const bad = await script('keys', ['create', '--name', 'x', '--scope', 'write'], env);
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'Error 400: scopes must be a non-empty list of read, backfill, admin']);
    const noKey = await script('keys', ['list'], { LIVEINSIGHT_API_URL: stack.url });
    expect([noKey.code, noKey.stderr.trim()]).toEqual([1, 'Error 401: Missing X-API-Key header']);
  });
});

describe('admin scripts on a stopped stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'liveinsight-scripts-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('work on the data dir directly while nothing runs on it, and say so when a stack holds it', async () => {
    // A port nothing listens on: the stack is stopped.
    const env = { LIVEINSIGHT_DATA_DIR: dataDir, LIVEINSIGHT_API_URL: `http://127.0.0.1:${await closedPort()}`, LIVEINSIGHT_API_KEY: ADMIN };
    const added = await script('sites', ['add', 'offline.example'], env);
    expect([added.code, added.stdout.trim()]).toEqual([0, 'Added offline.example (events from: any hostname)']);
    expect(added.stderr).toContain(`worked on the data dir ${dataDir} directly`);

    // The stack started on that dir later finds the site.
    process.env.LIVEINSIGHT_API_KEY = ADMIN;
    const stack = await startLocalStack({ port: 0, dataDir });
    try {
      const sites = (await (await fetch(`${stack.url}/api/sites`, { headers: { 'X-API-Key': ADMIN } })).json()) as { data: { sites: { site_id: string }[] } };
      expect(sites.data.sites.map((s) => s.site_id)).toEqual(['offline.example']);
      const locked = await script('sites', ['list'], env);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`the data dir ${dataDir} is locked: a stack is running on it`);
    } finally {
      await stack.close();
      delete process.env.LIVEINSIGHT_API_KEY;
    }
  }, 90_000);
});
