import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../src/local/index.js';
import { CHROME_UA, newSessionId, wireEvent } from './support/api.js';
import { openApiErrors, openApiResponseErrors } from './support/openapi.js';

/**
 * The HTTP surface through the local stack (Node http → API Gateway proxy event → the
 * Lambda handlers), every answer checked against docs/openapi.yaml.
 */
let stack: LocalStack;
const KEY = 'http-test-key';

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
});
afterAll(async () => {
  delete process.env.LIVEINSIGHT_API_KEY;
  await stack?.close();
});

async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${stack.url}${path}`, { method, body: init.body, headers: { 'User-Agent': CHROME_UA, ...init.headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** Asserts the envelope, the CORS header and the OpenAPI schema of a real answer. */
function conforms(response: Awaited<ReturnType<typeof call>>, method: string, path: string) {
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(openApiErrors(path, method, response.status, response.json)).toEqual([]);
}

describe('POST /api/events over HTTP', () => {
  it('takes a text/plain batch as the tracker sends it', async () => {
    const session = newSessionId();
    const body = JSON.stringify({ events: [wireEvent({ session, at: Date.now(), site: 'http.test' })], sent_at: Date.now() });
    const response = await call('POST', '/api/events', { body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'success', data: { accepted: 1, duplicates: 0, rejected: [] } });
    conforms(response, 'POST', '/api/events');
  });

  it('answers a partly bad batch 200 with data.rejected, matching the schema', async () => {
    const body = JSON.stringify({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site: 'http.test' }), { event_type: 'x' }] });
    const response = await call('POST', '/api/events', { body });
    expect(response.json.data.rejected).toEqual([{ index: 1, reason: 'session_id must be 8-128 characters of [A-Za-z0-9_-]' }]);
    conforms(response, 'POST', '/api/events');
  });

  it.each([
    ['malformed JSON', '{"events":[', 400],
    ['51 events', JSON.stringify({ events: Array.from({ length: 51 }, () => ({ event_type: 'page_view', session_id: 'session-1' })) }), 400],
    ['an empty body', '', 400],
    ['a body over 64 KB', JSON.stringify({ event_type: 'page_view', session_id: 'session-1', pad: 'x'.repeat(70_000) }), 413],
  ])('answers %s in the JSON envelope, never a 5xx', async (_, body, status) => {
    const response = await call('POST', '/api/events', { body });
    expect(response.status).toBe(status);
    expect(response.json.status).toBe('error');
    conforms(response, 'POST', '/api/events');
  });

  it('answers 413 for a body past the local server limit too', async () => {
    const response = await call('POST', '/api/events', { body: 'x'.repeat(1_100_000) });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ status: 'error', message: 'Body is larger than 1048576 bytes' });
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const response = await call('GET', '/api/events');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(openApiResponseErrors('MethodNotAllowed', response.json)).toEqual([]);
    const post = await call('POST', '/api/stats?site_id=x');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, OPTIONS');
  });

  it('answers an unknown API path with 404 in the envelope', async () => {
    const response = await call('GET', '/api/nothing');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ status: 'error', message: 'No such endpoint: /api/nothing' });
    expect(openApiResponseErrors('NotFound', response.json)).toEqual([]);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it.each(['/api/events', '/api/stats', '/api/realtime', '/api/sites'])('answers the CORS preflight of %s with 204', async (path) => {
    const response = await call('OPTIONS', path, { headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, X-API-Key, Authorization');
  });
});

describe('the OpenAPI check itself', () => {
  it('catches a response that does not match the document', () => {
    expect(openApiErrors('/api/sites', 'GET', 200, { status: 'success', data: { sites: [{ site_id: 'x' }] } })).not.toEqual([]);
    expect(openApiErrors('/api/events', 'POST', 200, { status: 'success', data: { accepted: 1 } })).not.toEqual([]);
    expect(openApiResponseErrors('BadRequest', { status: 'error' })).not.toEqual([]);
  });
});

describe('reads over HTTP', () => {
  beforeAll(async () => {
    const session = newSessionId();
    const at = Date.now() - 60_000;
    await call('POST', '/api/events', {
      body: JSON.stringify({
        events: [
          wireEvent({ session, at, site: 'reads.test', url: 'https://reads.test/?utm_source=x', referrer: 'https://duckduckgo.com/' }),
          wireEvent({ session, at: at + 1000, site: 'reads.test', type: 'signup', props: { plan: 'pro' } }),
        ],
      }),
      headers: { 'CloudFront-Viewer-Country': 'NL' },
    });
  });

  it.each([
    '/api/stats?site_id=reads.test&period=24h',
    '/api/stats?site_id=reads.test&period=30d&include=health',
    '/api/stats?site_id=reads.test&period=7d&filter=country:NL',
    '/api/stats?site_id=reads.test&from=2024-01-01&to=2024-01-31&interval=day',
    '/api/realtime?site_id=reads.test&minutes=10',
    '/api/sites',
  ])('GET %s answers 200 in the documented shape', async (url) => {
    const response = await call('GET', url);
    expect(response.status).toBe(200);
    conforms(response, 'GET', url.split('?')[0]!);
  });

  it('returns the numbers the e2e example reads', async () => {
    const response = await call('GET', '/api/stats?site_id=reads.test&period=24h');
    expect(response.json.data.totals).toMatchObject({ pageviews: 1, events: 1, sessions: 1, visitors: 1 });
    expect(response.json.data.breakdowns.countries).toEqual([{ value: 'NL', pageviews: 1, visitors: 1 }]);
    const sites = await call('GET', '/api/sites');
    expect(sites.json.data.sites).toContainEqual(expect.objectContaining({ site_id: 'reads.test', pageviews_24h: 1 }));
  });

  it.each([
    '/api/stats?period=24h',
    '/api/stats?site_id=reads.test&period=forever',
    '/api/stats?site_id=reads.test&filter=nope',
    '/api/realtime?site_id=reads.test&minutes=0',
    '/api/realtime',
  ])('GET %s answers 400 in the documented shape', async (url) => {
    const response = await call('GET', url);
    expect(response.status).toBe(400);
    conforms(response, 'GET', url.split('?')[0]!);
  });

  it('needs the key for every read once LIVEINSIGHT_API_KEY is set', async () => {
    process.env.LIVEINSIGHT_API_KEY = KEY;
    try {
      for (const url of ['/api/stats?site_id=reads.test', '/api/realtime?site_id=reads.test', '/api/sites']) {
        const missing = await call('GET', url);
        expect(missing.status, url).toBe(401);
        expect(missing.json).toEqual({ status: 'error', message: 'Missing X-API-Key header' });
        conforms(missing, 'GET', url.split('?')[0]!);
        const wrong = await call('GET', url, { headers: { 'X-API-Key': `${KEY}x` } });
        expect(wrong.status, url).toBe(401);
        expect(wrong.json).toEqual({ status: 'error', message: 'Invalid API key' });
        const right = await call('GET', url, { headers: { 'X-API-Key': KEY } });
        expect(right.status, url).toBe(200);
      }
      // The tracker posts without a key, and that stays open.
      const post = await call('POST', '/api/events', { body: JSON.stringify(wireEvent({ session: newSessionId(), at: Date.now(), site: 'reads.test' })) });
      expect(post.status).toBe(200);
    } finally {
      delete process.env.LIVEINSIGHT_API_KEY;
    }
  });
});
