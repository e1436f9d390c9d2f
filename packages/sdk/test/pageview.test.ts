import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { init } from '../src/index.js';

const received: unknown[] = [];
const server = setupServer(
  http.post('https://collector.test/api/events', async ({ request }) => {
    received.push(JSON.parse(await request.text()));
    return HttpResponse.json({ status: 'success', data: { accepted: 1 } });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('sends a page_view with session, page and referrer through sendBeacon', async () => {
  // happy-dom has no beacon transport: route it through fetch so msw sees the body.
  const beacon = vi.fn((url: string, body: string) => (void fetch(url, { method: 'POST', body }), true));
  Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true });

  init({ endpoint: 'https://collector.test/api/events', siteId: 'example.com' }).pageview();

  await vi.waitFor(() => expect(received).toHaveLength(1));
  const batch = received[0] as { events: Record<string, unknown>[]; sent_at: number };
  expect(batch.events).toHaveLength(1);
  expect(batch.events[0]).toMatchObject({ event_type: 'page_view', site_id: 'example.com' });
  expect(batch.events[0]!.session_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(typeof batch.sent_at).toBe('number');
});
