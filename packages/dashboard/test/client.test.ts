import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, loadConfig } from '../src/api/client.js';
import { statsFixture } from './support/fixtures.js';

type FetchArgs = Parameters<typeof fetch>;

function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  return vi.fn(async (...[input, init]: FetchArgs) => answer(String(input), init));
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('api client', () => {
  it('calls the configured base with the key header and returns the envelope data', async () => {
    const fetchImpl = fakeFetch(() => json(200, { status: 'success', data: statsFixture() }));
    const api = createApiClient({ apiBase: 'https://api.example/dev/', key: () => 'k1', fetch: fetchImpl });
    const data = await api.stats(new URLSearchParams({ site_id: 'a.test', period: '7d' }));
    expect(data.totals.pageviews).toBe(1234);
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('https://api.example/dev/api/stats?site_id=a.test&period=7d');
    expect((init!.headers as Record<string, string>)['X-API-Key']).toBe('k1');
  });

  it('uses the same origin when the base is empty and sends no key header without a key', async () => {
    const fetchImpl = fakeFetch(() => json(200, { status: 'success', data: { sites: [] } }));
    await createApiClient({ apiBase: '', key: () => undefined, fetch: fetchImpl }).sites();
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('/api/sites');
    expect(init!.headers).not.toHaveProperty('X-API-Key');
  });

  it('turns a 401 envelope into an unauthorized ApiError with the server message', async () => {
    const api = createApiClient({ apiBase: '', key: () => 'bad', fetch: fakeFetch(() => json(401, { status: 'error', message: 'Invalid API key' })) });
    const error = await api.sites().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).unauthorized).toBe(true);
    expect((error as ApiError).message).toBe('Invalid API key');
  });

  it('reports an unreachable API and a non-JSON answer plainly', async () => {
    const down = createApiClient({ apiBase: '', key: () => undefined, fetch: fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))) });
    await expect(down.sites()).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/Cannot reach the API/) });
    const html = createApiClient({ apiBase: '', key: () => undefined, fetch: fakeFetch(() => new Response('<h1>502</h1>', { status: 502 })) });
    await expect(html.sites()).rejects.toMatchObject({ status: 502, message: 'Unexpected answer from the API (HTTP 502)' });
  });

  it('encodes the site in the settings path and sends PUT with the admin key given, not the read key', async () => {
    const fetchImpl = fakeFetch(() => json(200, { status: 'success', data: { site_id: 'a b/c', created_at: '2025-01-01T00:00:00Z', settings: { timezone: 'UTC' } } }));
    const api = createApiClient({ apiBase: 'https://api.example', key: () => 'read-key', fetch: fetchImpl });
    expect((await api.settings('a b/c')).settings).toEqual({ timezone: 'UTC' });
    await api.saveSettings('a b/c', { hostnames: ['a.example'] }, 'admin-key');
    const [getUrl, get] = fetchImpl.mock.calls[0]! as [string, RequestInit];
    const [putUrl, put] = fetchImpl.mock.calls[1]! as [string, RequestInit];
    expect(getUrl).toBe('https://api.example/api/sites/a%20b%2Fc/settings');
    expect((get.headers as Record<string, string>)['X-API-Key']).toBe('read-key');
    expect(putUrl).toBe('https://api.example/api/sites/a%20b%2Fc/settings');
    expect(put.method).toBe('PUT');
    expect(put.headers).toMatchObject({ 'X-API-Key': 'admin-key', 'Content-Type': 'application/json' });
    expect(put.body).toBe('{"hostnames":["a.example"]}');
  });

  it('keeps unknown scopes of GET /api/key, so that they count as more than read', async () => {
    const api = createApiClient({
      apiBase: '',
      key: () => 'k',
      fetch: fakeFetch(() => json(200, { status: 'success', data: { key: { name: 'x', scopes: ['read', 'export'] } } })),
    });
    expect(await api.key()).toEqual({
      key: { name: 'x', scopes: ['read', 'export'], sites: null, created_at: '', last_used_at: null, revoked_at: null },
    });
  });

  it('POSTs a v2 query with the read key and returns Plausible\'s answer as sent, without the envelope', async () => {
    const body = { results: [{ dimensions: ['/a'], metrics: [3, 4] }], meta: { engine: 'archive', generated_at: '2025-03-05T14:02:00.000Z' }, query: { date_range: ['a', 'b'] } };
    const fetchImpl = fakeFetch(() => json(200, body));
    const api = createApiClient({ apiBase: 'https://api.example', key: () => 'read-key', fetch: fetchImpl });
    const request = { site_id: 'a.test', date_range: '7d', metrics: ['visitors', 'pageviews'], dimensions: ['event:page'] };
    expect(await api.query(request)).toEqual(body);
    const [url, init] = fetchImpl.mock.calls[0]! as [string, RequestInit];
    expect(url).toBe('https://api.example/api/v2/query');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'X-API-Key': 'read-key', 'Content-Type': 'application/json' });
    expect(JSON.parse(init.body as string)).toEqual(request);
  });

  it('reads a v2 error from its `error` field, and a refused key as unauthorized', async () => {
    const bad = createApiClient({ apiBase: '', key: () => 'k', fetch: fakeFetch(() => json(400, { error: 'filters[0]: unknown operator "nope"' })) });
    await expect(bad.query({ site_id: 'a', date_range: '7d', metrics: ['visitors'] })).rejects.toMatchObject({ status: 400, message: 'filters[0]: unknown operator "nope"' });
    const refused = createApiClient({ apiBase: '', key: () => 'k', fetch: fakeFetch(() => json(401, { error: 'Invalid API key' })) });
    const error = await refused.query({ site_id: 'a', date_range: '7d', metrics: ['visitors'] }).catch((e: unknown) => e);
    expect((error as ApiError).unauthorized).toBe(true);
    // A collector without the route answers in the envelope.
    const older = createApiClient({ apiBase: '', key: () => 'k', fetch: fakeFetch(() => json(404, { status: 'error', message: 'No such endpoint' })) });
    await expect(older.query({ site_id: 'a', date_range: '7d', metrics: ['visitors'] })).rejects.toMatchObject({ status: 404, message: 'No such endpoint' });
  });

  it('fills fields an older collector does not send yet', async () => {
    const api = createApiClient({ apiBase: '', key: () => undefined, fetch: fakeFetch(() => json(200, { status: 'success', data: { totals: { pageviews: 5 } } })) });
    const data = await api.stats(new URLSearchParams());
    expect(data.totals).toEqual({ pageviews: 5, visitors: 0, sessions: 0, bounce_rate: 0, avg_duration_s: 0, events: 0 });
    expect(data.breakdowns.pages).toEqual([]);
    expect(data.breakdowns.events).toEqual([]);
    expect(data.meta.approximations).toEqual([]);
    expect(data.health).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('reads apiBase and trims its trailing slash', async () => {
    expect(await loadConfig(fakeFetch(() => json(200, { apiBase: 'https://api.example/dev/' })))).toEqual({ apiBase: 'https://api.example/dev' });
  });

  it('falls back to the same origin when config.json is missing or broken', async () => {
    expect(await loadConfig(fakeFetch(() => new Response('nope', { status: 404 })))).toEqual({ apiBase: '' });
    expect(await loadConfig(fakeFetch(() => new Response('{', { status: 200 })))).toEqual({ apiBase: '' });
    expect(await loadConfig(fakeFetch(() => json(200, { apiBase: 42 })))).toEqual({ apiBase: '' });
  });
});
