import { describe, expect, it } from 'vitest';
import { handler as events } from '../src/handlers/events.js';
import { handler as stats } from '../src/handlers/stats.js';
import { apiEvent, parse } from './support/events.js';
import { useTestStore } from './support/store.js';

useTestStore();

const getStats = (site: string) =>
  stats(apiEvent({ httpMethod: 'GET', path: '/api/stats', queryStringParameters: { site_id: site, period: '24h' } }));

describe('POST /api/events', () => {
  it("accepts the original docs' single event and counts it", async () => {
    const result = await events(
      apiEvent({
        httpMethod: 'POST',
        path: '/api/events',
        headers: { 'Content-Type': 'application/json' },
        body: { event_type: 'page_view', timestamp: 1693900000, session_id: 'test-session' },
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(parse(result).status).toBe('success');
    expect(parse(await getStats('default')).data.totals.pageviews).toBe(1);
  });

  it('answers malformed JSON with 400 in the envelope, with CORS headers', async () => {
    const result = await events(apiEvent({ httpMethod: 'POST', path: '/api/events', body: '{"event_type":' }));
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toEqual({ status: 'error', message: 'Body is not valid JSON' });
    expect(result.headers?.['Access-Control-Allow-Origin']).toBe('*');
  });

  it('answers the CORS preflight with 204', async () => {
    const result = await events(apiEvent({ httpMethod: 'OPTIONS', path: '/api/events' }));
    expect(result.statusCode).toBe(204);
    expect(result.headers).toMatchObject({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, X-API-Key, Authorization',
    });
  });
});
