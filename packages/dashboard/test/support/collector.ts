import { CORS_HEADERS } from '@liveinsight/contract';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { KEY_STORAGE_NAME } from '../../src/state/key-store.js';

/** Another origin than the page's, as config.json's apiBase in AWS. */
export const API_BASE = 'https://api.test';

export interface Received {
  method: string;
  /** As sent, percent-encoding kept: `/api/sites/a.example/settings`. */
  path: string;
  query: URLSearchParams;
  /** The X-API-Key header, or null. */
  key: string | null;
  /** The Authorization header, or null. */
  authorization: string | null;
  contentType: string | null;
  body: string;
  /** What localStorage held for the dashboard's key when the request left. */
  storedKey: string | null;
}

/** In the API's envelope (`data`, or an error `message`), or as sent (`raw`: POST /api/v2/query answers Plausible's shape). */
export type Answer = { data: unknown; status?: number } | { message: string; status: number } | { raw: unknown; status?: number };

/**
 * The network is the only thing replaced: msw answers the API's routes with what a test
 * sets through `answer`, in the API's envelope, and every request is kept in `received`.
 * A route without an answer is a 404, as from a collector that predates it.
 */
export function useCollector() {
  const received: Received[] = [];
  const answers = new Map<string, (request: Received) => Answer | Promise<Answer>>();

  const server = setupServer(
    http.all(`${API_BASE}/api/*`, async ({ request }) => {
      if (request.method === 'OPTIONS') return new HttpResponse(null, { status: 204, headers: CORS_HEADERS });
      const url = new URL(request.url);
      const seen: Received = {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        key: request.headers.get('x-api-key'),
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
        body: await request.text(),
        storedKey: localStorage.getItem(KEY_STORAGE_NAME),
      };
      received.push(seen);
      const answer = await answers.get(`${seen.method} ${seen.path}`)?.(seen);
      if (!answer) return HttpResponse.json({ status: 'error', message: `No such endpoint: ${seen.path}` }, { status: 404, headers: CORS_HEADERS });
      if ('raw' in answer) return HttpResponse.json(answer.raw as object, { status: answer.status ?? 200, headers: CORS_HEADERS });
      if ('message' in answer) return HttpResponse.json({ status: 'error', message: answer.message }, { status: answer.status, headers: CORS_HEADERS });
      return HttpResponse.json({ status: 'success', data: answer.data }, { status: answer.status ?? 200, headers: CORS_HEADERS });
    }),
  );

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    received.length = 0;
    answers.clear();
  });
  afterAll(() => server.close());

  return {
    received,
    /** Answers `METHOD /api/path` (the path as sent) from now on; a reply may wait (a promise). */
    answer(route: string, reply: Answer | ((request: Received) => Answer | Promise<Answer>)): void {
      answers.set(route, typeof reply === 'function' ? reply : () => reply);
    },
    /** The requests to one route so far. */
    to: (route: string) => received.filter((request) => `${request.method} ${request.path}` === route),
  };
}
