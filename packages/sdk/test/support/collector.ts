import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import type { TrackerEvent } from '../../src/index.js';

export const ENDPOINT = 'https://collector.test/api/events';

export interface Received {
  body: { events: TrackerEvent[]; sent_at: number };
  contentType: string | null;
  /** How the request left the page: the sendBeacon spy or fetch. */
  via: 'beacon' | 'fetch';
}

type Reply = { status: number; headers?: Record<string, string> } | 'network-error';

/**
 * The transport is the only thing replaced in unit tests: msw answers POST /api/events
 * like the collector (or with the failures queued through `fail`), and a sendBeacon
 * spy forwards beacons into the same log, since happy-dom has no beacon transport.
 */
export function useCollector() {
  const received: Received[] = [];
  const replies: Reply[] = [];
  const state = { beaconAccepts: true as boolean | 'missing' };

  const server = setupServer(
    http.post(ENDPOINT, async ({ request }) => {
      const text = await request.text();
      const via = request.headers.get('x-test-via') === 'beacon' ? 'beacon' : 'fetch';
      received.push({ body: JSON.parse(text), contentType: request.headers.get('content-type'), via });
      const reply = replies.shift();
      if (reply === 'network-error') return HttpResponse.error();
      if (reply) return HttpResponse.json({ status: 'error', message: 'later' }, reply);
      const events = JSON.parse(text).events as unknown[];
      return HttpResponse.json({ status: 'success', data: { accepted: events.length, duplicates: 0, rejected: [] } });
    }),
  );

  const beacon = vi.fn((url: string | URL, body?: BodyInit | null) => {
    if (state.beaconAccepts !== true) return false;
    void fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-test-via': 'beacon' } });
    return true;
  });

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    received.length = 0;
    replies.length = 0;
    state.beaconAccepts = true;
    beacon.mockClear();
  });
  afterAll(() => server.close());

  return {
    received,
    beacon,
    /** The events of every request so far, in arrival order. */
    events: () => received.flatMap((request) => request.body.events),
    /** The next requests fail like this, in order. */
    fail: (...next: Reply[]) => void replies.push(...next),
    /** What sendBeacon does from now on: accept, refuse (return false), or not exist. */
    beaconAccepts: (value: boolean | 'missing') => {
      state.beaconAccepts = value;
      installBeacon(value === 'missing' ? undefined : beacon);
    },
    installBeacon: () => installBeacon(beacon),
  };
}

function installBeacon(beacon: unknown) {
  Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true, writable: true });
}
