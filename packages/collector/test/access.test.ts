import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../src/local/index.js';
import { KEY_CACHE_MS, NEW_VISITORS_PER_ADDRESS_PER_MINUTE } from '@liveinsight/contract';
import { authenticate, createKey } from '../src/service/access.js';
import { revokeKey as revokeKeyItem } from '../src/store/api-keys-store.js';
import { localClient } from '../src/store/create-tables.js';
import { TABLES, tableName, type TableId } from '../src/store/tables.js';
import { CHROME_UA, newSessionId, wireEvent } from './support/api.js';
import { openApiErrors } from './support/openapi.js';

/**
 * Who may do what, through the local stack as in AWS: keys are required (a bootstrap
 * admin key is configured), sites take events only once registered (no
 * auto-registration). Every answer is checked against docs/openapi.yaml, and what the
 * store holds afterwards is read back from the tables themselves.
 */
const ADMIN = 'access-test-bootstrap-key';
let stack: LocalStack;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  process.env.LIVEINSIGHT_API_KEY = ADMIN;
  process.env.LIVEINSIGHT_AUTO_SITES = '0';
  stack = await startLocalStack({ port: 0 });
  db = DynamoDBDocumentClient.from(localClient(stack.storeEndpoint));
});
afterAll(async () => {
  delete process.env.LIVEINSIGHT_API_KEY;
  delete process.env.LIVEINSIGHT_AUTO_SITES;
  await stack?.close();
});

let address = 0;
async function call(method: string, path: string, init: { body?: unknown; key?: string; bearer?: string; ip?: string } = {}) {
  const headers: Record<string, string> = {
    'User-Agent': CHROME_UA,
    'X-Forwarded-For': init.ip ?? `198.51.100.${(address++ % 200) + 1}`,
    ...(init.key ? { 'X-API-Key': init.key } : {}),
    ...(init.bearer ? { Authorization: `Bearer ${init.bearer}` } : {}),
    ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
  };
  const response = await fetch(`${stack.url}${path}`, { method, headers, body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  expect(openApiErrors(path.split('?')[0]!, method, response.status, json), `${method} ${path} ${response.status}`).toEqual([]);
  return { status: response.status, json, text };
}

async function scan(table: TableId): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: tableName(table), ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const post = (events: unknown[], key?: string, ip?: string) => call('POST', '/api/events', { body: { events, sent_at: Date.now() }, ...(key ? { key } : {}), ...(ip ? { ip } : {}) });
const view = (site: string, path = '/', at = Date.now()) => wireEvent({ site, session: newSessionId(), at, url: `https://${site}${path}` });

describe('sites', () => {
  it('are registered by an admin, once, with their hostnames; bad input names the field', async () => {
    const created = await call('POST', '/api/sites', { key: ADMIN, body: { site_id: 'shop.test', hostnames: ['Shop.Test', '*.shop.test'] } });
    expect(created.status).toBe(200);
    expect(created.json.data).toMatchObject({ site_id: 'shop.test', settings: { hostnames: ['shop.test', '*.shop.test'] } });
    expect((await call('POST', '/api/sites', { key: ADMIN, body: { site_id: 'shop.test' } })).status).toBe(409);
    const badId = await call('POST', '/api/sites', { key: ADMIN, body: { site_id: 'no spaces' } });
    expect([badId.status, badId.json.message]).toEqual([400, expect.stringContaining('site_id')]);
    const badHost = await call('POST', '/api/sites', { key: ADMIN, body: { site_id: 'x.test', hostnames: ['https://x.test/'] } });
    expect([badHost.status, badHost.json.message]).toEqual([400, expect.stringContaining('settings.hostnames[0]')]);
    const notJson = await call('POST', '/api/sites', { key: ADMIN, body: '{"site_id":' });
    expect(notJson.status).toBe(400);
    expect((await call('POST', '/api/sites', { body: { site_id: 'anon.test' } })).status).toBe(401);
  });

  it('take events only from their hostnames; unknown sites are stored nowhere and counted once for the deployment', async () => {
    await call('POST', '/api/sites', { key: ADMIN, body: { site_id: 'blog.test', hostnames: ['blog.test'] } });
    const before = (await call('GET', '/api/sites', { key: ADMIN })).json.data.dropped.at(-1);

    // Anonymous senders get the usual answer, whatever happened to their events.
    const anonymous = await post([view('blog.test'), view('blog.test', '/', Date.now()), wireEvent({ site: 'blog.test', session: newSessionId(), at: Date.now(), url: 'https://evil.example/' }), view('junk-1.test'), view('junk-2.test')]);
    expect(anonymous.json.data).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
    // A keyed sender (a script) is told.
    const keyed = await post([view('junk-3.test'), wireEvent({ site: 'blog.test', session: newSessionId(), at: Date.now(), url: 'https://blog.test.evil.example/' }), view('blog.test')], ADMIN);
    expect(keyed.json.data).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 0, reason: expect.stringContaining('not a registered site') },
        { index: 1, reason: expect.stringContaining("page_url's hostname") },
      ],
    });
    // Nothing of it taken: a 400 naming why, as for any batch with no valid event.
    const none = await post([view('junk-4.test')], ADMIN);
    expect([none.status, none.json.message]).toEqual([400, 'events[0]: site_id is not a registered site (an admin adds it: npm run sites -- add)']);
    // Subdomains count where the site lists a wildcard.
    expect((await post([view('shop.test'), wireEvent({ site: 'shop.test', session: newSessionId(), at: Date.now(), url: 'https://eu.shop.test/cart' })], ADMIN)).json.data).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [],
    });

    const sites = (await call('GET', '/api/sites', { key: ADMIN })).json.data;
    const today = sites.dropped.at(-1);
    expect(today.unknown_site - before.unknown_site).toBe(4);
    expect(today.foreign_host - before.foreign_host).toBe(2);
    expect(sites.sites.map((s: { site_id: string }) => s.site_id).sort()).toEqual(['blog.test', 'shop.test']);
    const blog = (await call('GET', '/api/stats?site_id=blog.test&period=today', { key: ADMIN })).json.data;
    expect(blog.totals.pageviews).toBe(3);
    // Nothing anywhere names the junk ids: no per-site counter, no registry entry, no session.
    for (const table of Object.keys(TABLES) as TableId[]) {
      expect(JSON.stringify(await scan(table)), table).not.toMatch(/junk-\d\.test/);
    }
  });

  it('have one settings document, replaced whole; unknown keys and bad values are a 400 naming them', async () => {
    const document = {
      hostnames: ['shop.test'],
      timezone: 'Europe/Berlin',
      goals: [{ name: 'Signup', event: 'signup' }],
      funnels: [{ name: 'checkout', steps: [{ page: '/' }, { event: 'signup' }] }],
      reports: { weekly: true, recipients: ['owner@shop.test'] },
      alerts: { spike_visitors_10m: 100, drop_hours: 6 },
    };
    const put = await call('PUT', '/api/sites/shop.test/settings', { key: ADMIN, body: document });
    expect(put.status).toBe(200);
    expect(put.json.data.settings).toEqual(document);
    expect((await call('GET', '/api/sites/shop.test/settings', { key: ADMIN })).json.data.settings).toEqual(document);
    // Replaced whole: what the next document leaves out is gone.
    expect((await call('PUT', '/api/sites/shop.test/settings', { key: ADMIN, body: { timezone: 'UTC' } })).json.data.settings).toEqual({ timezone: 'UTC' });

    const bad: [unknown, string][] = [
      [{ colour: 'red' }, 'settings.colour is not a known setting'],
      [{ timezone: 'Mars/Olympus' }, 'settings.timezone'],
      [{ hostnames: 'shop.test' }, 'settings.hostnames'],
      [{ reports: { daily: true } }, 'settings.reports.daily'],
      [{ alerts: { drop_hours: -1 } }, 'settings.alerts.drop_hours'],
      [{ goals: [1] }, 'settings.goals[0]'],
      [[], 'settings must be a JSON object'],
    ];
    for (const [body, message] of bad) {
      const answer = await call('PUT', '/api/sites/shop.test/settings', { key: ADMIN, body });
      expect([answer.status, answer.json.message], JSON.stringify(body)).toEqual([400, expect.stringContaining(message)]);
    }
    expect((await call('PUT', '/api/sites/nowhere.test/settings', { key: ADMIN, body: {} })).status).toBe(404);
    // Restored, for the tests below.
    await call('PUT', '/api/sites/shop.test/settings', { key: ADMIN, body: { hostnames: ['shop.test', '*.shop.test'] } });
  });
});

describe('keys', () => {
  let reader = '';
  let backfiller = '';

  it('are minted with scopes and sites, shown once, and stored only as a hash', async () => {
    const created = await call('POST', '/api/keys', { key: ADMIN, body: { name: 'shop-dashboard', scopes: ['read'], sites: ['shop.test'] } });
    expect(created.status).toBe(200);
    reader = created.json.data.key;
    expect(created.json.data).toMatchObject({ name: 'shop-dashboard', scopes: ['read'], sites: ['shop.test'], revoked_at: null });
    backfiller = (await call('POST', '/api/keys', { key: ADMIN, body: { name: 'shop-import', scopes: ['backfill'], sites: ['shop.test'] } })).json.data.key;
    expect((await call('POST', '/api/keys', { key: ADMIN, body: { name: 'shop-dashboard', scopes: ['read'] } })).status).toBe(409);
    const bad = await call('POST', '/api/keys', { key: ADMIN, body: { name: 'x', scopes: ['write'] } });
    expect([bad.status, bad.json.message]).toEqual([400, expect.stringContaining('scopes')]);

    const listed = await call('GET', '/api/keys', { key: ADMIN });
    expect(listed.json.data.keys.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['shop-dashboard', 'shop-import']));
    const secrets = [reader, backfiller, ADMIN].flatMap((key) => [key, key.split('.').at(-1)!]);
    for (const secret of secrets) {
      expect(listed.text).not.toContain(secret);
      expect(JSON.stringify(await scan('keys'))).not.toContain(secret);
    }
  });

  it('open what their scopes and sites allow, and nothing else', async () => {
    expect((await call('GET', '/api/stats?site_id=shop.test&period=today', { key: reader })).status).toBe(200);
    expect((await call('GET', '/api/stats?site_id=shop.test&period=today', { bearer: reader })).status).toBe(200);
    expect((await call('GET', '/api/realtime?site_id=shop.test', { key: reader })).status).toBe(200);
    expect((await call('GET', '/api/sites/shop.test/settings', { key: reader })).status).toBe(200);
    const sites = (await call('GET', '/api/sites', { key: reader })).json.data;
    expect(sites.sites.map((s: { site_id: string }) => s.site_id)).toEqual(['shop.test']);
    expect(sites.dropped).toBeUndefined();
    expect((await call('GET', '/api/key', { key: reader })).json.data.key).toMatchObject({ name: 'shop-dashboard', scopes: ['read'], sites: ['shop.test'] });

    const forbidden = [
      await call('GET', '/api/stats?site_id=blog.test&period=today', { key: reader }),
      await call('GET', '/api/sites/blog.test/settings', { key: reader }),
      await call('PUT', '/api/sites/shop.test/settings', { key: reader, body: {} }),
      await call('GET', '/api/keys', { key: reader }),
      await call('POST', '/api/sites', { key: reader, body: { site_id: 'mine.test' } }),
      // A read key never makes a POST trusted.
      await post([view('shop.test', '/', Date.now() - 3 * 86_400_000)], reader),
      await call('GET', '/api/stats?site_id=shop.test&period=today', { key: backfiller }),
    ];
    expect(forbidden.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
  });

  it('backfill only their own sites', async () => {
    const old = Date.now() - 3 * 86_400_000;
    const answer = await post([view('shop.test', '/history', old), view('blog.test', '/history', old)], backfiller);
    expect(answer.json.data).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: 'the key may not backfill this site' }] });
    const day = new Date(old).toISOString().slice(0, 10);
    const history = (await call('GET', `/api/stats?site_id=shop.test&from=${day}&to=${day}`, { key: ADMIN })).json.data;
    // Kept on its own day: trusted.
    expect(history.breakdowns.pages).toEqual([{ value: '/history', pageviews: 1, visitors: 1 }]);
  });

  it('stop working once revoked, the bootstrap key included', async () => {
    const revoked = await call('DELETE', '/api/keys/shop-dashboard', { key: ADMIN });
    expect(revoked.status).toBe(200);
    expect((await call('GET', '/api/stats?site_id=shop.test&period=today', { key: reader })).status).toBe(401);
    expect((await call('DELETE', '/api/keys/no-such-key', { key: ADMIN })).status).toBe(404);
    const keys = (await call('GET', '/api/keys', { key: ADMIN })).json.data.keys as { name: string; revoked_at: string | null }[];
    expect(keys.find((k) => k.name === 'shop-dashboard')?.revoked_at).toEqual(expect.any(String));

    // The bootstrap key has an item of its own since its first use, so it revokes like any other.
    const bootstrap = keys.find((k) => k.name.startsWith('bootstrap-'));
    expect(bootstrap).toBeDefined();
    const successor = (await call('POST', '/api/keys', { key: ADMIN, body: { name: 'ops', scopes: ['admin', 'backfill'] } })).json.data.key;
    expect((await call('DELETE', `/api/keys/${bootstrap!.name}`, { key: successor })).status).toBe(200);
    expect((await call('GET', '/api/keys', { key: ADMIN })).status).toBe(401);
    expect((await call('GET', '/api/keys', { key: successor })).status).toBe(200);
    // Using it again does not bring it back.
    expect((await call('GET', '/api/sites', { key: ADMIN })).status).toBe(401);
    process.env.LIVEINSIGHT_API_KEY = successor;
  });

  it('stop working everywhere within a minute of being revoked elsewhere', async () => {
    const t0 = Date.now();
    const { key } = await createKey({ name: 'elsewhere', scopes: ['read'], sites: null }, t0);
    expect((await authenticate(key, '192.0.2.1', t0))?.name).toBe('elsewhere');
    // Revoked in the store by another process: this one has the key cached and is not told.
    await revokeKeyItem('elsewhere', t0);
    expect((await authenticate(key, '192.0.2.1', t0 + KEY_CACHE_MS - 1))?.name).toBe('elsewhere');
    await expect(authenticate(key, '192.0.2.1', t0 + KEY_CACHE_MS)).rejects.toThrow('Invalid API key');
  });

  it('throttle an address that keeps trying wrong keys, and only that address', async () => {
    const ip = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await call('GET', '/api/sites', { key: `li_${'x'.repeat(10)}.${'y'.repeat(43)}${i}`, ip })).status);
    expect(statuses.slice(0, 20)).toEqual(new Array(20).fill(401));
    expect(statuses[20]).toBe(429);
    // Even the right key waits, from there; from elsewhere it works.
    expect((await call('GET', '/api/sites', { key: process.env.LIVEINSIGHT_API_KEY!, ip })).status).toBe(429);
    expect((await call('GET', '/api/sites', { key: process.env.LIVEINSIGHT_API_KEY!, ip: '203.0.113.78' })).status).toBe(200);
  });
});

describe('input hygiene', () => {
  it('strips NUL, control characters and ANSI escapes from what becomes a stats key', async () => {
    const admin = process.env.LIVEINSIGHT_API_KEY!;
    await call('POST', '/api/sites', { key: admin, body: { site_id: 'clean.test' } });
    const session = newSessionId();
    const sent = await post([
      wireEvent({ site: 'clean.test', session, at: Date.now() - 1_000, url: 'https://clean.test/a%00b%1B%5B31m?utm_source=ne%07ws' }),
      wireEvent({ site: 'clean.test', session, at: Date.now(), type: 'sign\u0000up\u001b[31m', url: 'https://clean.test/', props: { 'pl\u0007an': '\u001b[2Jpro\r\n' } }),
    ]);
    expect(sent.json.data).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    await stack.caughtUp();
    const data = (await call('GET', '/api/stats?site_id=clean.test&period=today', { key: admin })).json.data;
    expect(data.breakdowns.pages.map((row: { value: string }) => row.value)).toEqual(['/ab']);
    expect(data.breakdowns.utm_source.map((row: { value: string }) => row.value)).toEqual(['news']);
    expect(data.breakdowns.events).toEqual([{ value: 'signup', count: 1, props: [{ key: 'plan', value: 'pro', count: 1 }] }]);
    expect(JSON.stringify(await scan('stats'))).not.toMatch(/\\u00(0|1)|\\u007f/);
  });
});

describe('one client', () => {
  it('brings at most NEW_VISITORS_PER_ADDRESS_PER_MINUTE new visitors a minute, however many User-Agents it rotates', async () => {
    const admin = process.env.LIVEINSIGHT_API_KEY!;
    await call('POST', '/api/sites', { key: admin, body: { site_id: 'bound.test' } });
    const before = (await call('GET', '/api/sites', { key: admin })).json.data.dropped.at(-1).client_bound;
    for (let i = 0; i < NEW_VISITORS_PER_ADDRESS_PER_MINUTE + 10; i++) {
      const response = await fetch(`${stack.url}/api/events`, {
        method: 'POST',
        headers: { 'User-Agent': CHROME_UA.replace('131.0.0.0', `131.0.${i}.0`), 'X-Forwarded-For': '198.18.0.9' },
        body: JSON.stringify({ events: [view('bound.test')] }),
      });
      expect(response.status).toBe(200);
    }
    await stack.caughtUp();
    const totals = (await call('GET', '/api/stats?site_id=bound.test&period=today', { key: admin })).json.data.totals;
    expect(totals.visitors).toBe(NEW_VISITORS_PER_ADDRESS_PER_MINUTE);
    expect((await call('GET', '/api/sites', { key: admin })).json.data.dropped.at(-1).client_bound - before).toBe(10);
  });
});

describe('deleting a site', () => {
  it('removes its rollups, sessions, settings and keys’ grants, and nothing of the others', async () => {
    const admin = process.env.LIVEINSIGHT_API_KEY!;
    await call('POST', '/api/sites', { key: admin, body: { site_id: 'gone.test' } });
    const both = (await call('POST', '/api/keys', { key: admin, body: { name: 'gone-and-shop', scopes: ['read'], sites: ['gone.test', 'shop.test'] } })).json.data.key;
    const only = (await call('POST', '/api/keys', { key: admin, body: { name: 'gone-only', scopes: ['read'], sites: ['gone.test'] } })).json.data.key;
    const session = newSessionId();
    const sent = await post([
      wireEvent({ site: 'gone.test', session, at: Date.now() - 2_000, url: 'https://gone.test/' }),
      wireEvent({ site: 'gone.test', session, at: Date.now() - 1_000, url: 'https://gone.test/a', type: 'signup', props: { plan: 'pro' } }),
      view('gone.test', '/old', Date.now() - 40 * 86_400_000),
    ], admin);
    expect(sent.json.data).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    await stack.caughtUp();
    expect((await call('GET', '/api/stats?site_id=gone.test&period=today', { key: admin })).json.data.totals.pageviews).toBe(1);
    const shopBefore = (await call('GET', '/api/stats?site_id=shop.test&period=30d', { key: admin })).json.data.totals;

    const deleted = await call('DELETE', '/api/sites/gone.test', { key: admin });
    expect(deleted.status).toBe(200);
    expect(deleted.json.data.removed.stats_items).toBeGreaterThan(5);
    expect(deleted.json.data.removed.sessions).toBe(2);
    expect(deleted.json.data.removed.keys).toBe(2);
    for (const table of ['stats', 'sessions', 'sites', 'keys'] as const) {
      expect(JSON.stringify(await scan(table)), table).not.toContain('gone.test');
    }
    expect((await call('GET', '/api/sites/gone.test/settings', { key: admin })).status).toBe(404);
    expect((await call('DELETE', '/api/sites/gone.test', { key: admin })).status).toBe(404);
    expect((await call('GET', '/api/stats?site_id=shop.test&period=30d', { key: admin })).json.data.totals).toEqual(shopBefore);
    // A site created again under the same id inherits no key of the old one.
    await call('POST', '/api/sites', { key: admin, body: { site_id: 'gone.test' } });
    expect((await call('GET', '/api/stats?site_id=gone.test&period=today', { key: only })).status).toBe(403);
    expect((await call('GET', '/api/stats?site_id=gone.test&period=today', { key: both })).status).toBe(403);
    expect((await call('GET', '/api/stats?site_id=shop.test&period=today', { key: both })).status).toBe(200);
    expect((await call('GET', '/api/key', { key: only })).json.data.key.sites).toEqual([]);
  });
});
