import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../src/errors.js';
import { resetDocumentClient } from '../src/store/client.js';
import { setEventsStream } from '../src/stream/events-stream.js';
import { newSessionId, postEvents, stats, statsRequest, wireEvent } from './support/api.js';
import { parse } from './support/events.js';
import { useTestStore } from './support/store.js';
import { MIN } from './support/time.js';

const store = useTestStore();

/** A loopback port with nothing listening: a store that is down. */
async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let saved: NodeJS.ProcessEnv = {};
beforeAll(() => {
  // After useTestStore's own beforeAll: these are the working endpoint and tables.
  saved = { ...process.env };
});
afterEach(() => {
  for (const name of ['DYNAMODB_ENDPOINT', 'STATS_TABLE', 'SESSIONS_TABLE']) process.env[name] = saved[name];
  resetDocumentClient();
});

/** Points one table at a name that does not exist, as if it were unreachable, for the next requests. */
function breakTable(variable: 'STATS_TABLE' | 'SESSIONS_TABLE'): void {
  process.env[variable] = 'unavailable-table';
}

const session = (site: string, at: number) => {
  const id = newSessionId();
  return [
    wireEvent({ session: id, at, site, url: `https://${site}/`, referrer: 'https://www.google.com/' }),
    wireEvent({ session: id, at: at + 20_000, site, url: `https://${site}/pricing` }),
    wireEvent({ session: id, at: at + 30_000, site, type: 'signup', props: { plan: 'pro' } }),
    wireEvent({ session: id, at: at + 50_000, site, type: 'engagement', props: { engaged_ms: 20000, scroll: 50 } }),
  ];
};

const snapshot = async (site: string) => {
  const data = await stats({ site_id: site, period: 'today' });
  return { totals: data.totals, breakdowns: data.breakdowns, timeseries: data.timeseries };
};

describe('storage failures', () => {
  it('answers 503 with Retry-After when the store is down, and the retry counts once', async () => {
    const site = 'down.test';
    const body = { events: session(site, Date.now() - 2 * MIN) };
    process.env.DYNAMODB_ENDPOINT = await deadEndpoint();
    resetDocumentClient();
    const failed = await postEvents(body);
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ 'Retry-After': '5', 'Access-Control-Allow-Origin': '*' });
    expect(parse(failed).status).toBe('error');
    const read = await statsRequest({ site_id: site });
    expect(read.statusCode).toBe(503);

    process.env.DYNAMODB_ENDPOINT = store.endpoint();
    resetDocumentClient();
    const retried = await postEvents(body);
    expect(parse(retried).data).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect((await snapshot(site)).totals).toEqual({ pageviews: 2, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: 50, events: 1 });
  });

  it('answers 503 when the stream does not take the records, and the retry counts once', async () => {
    const site = 'stream-down.test';
    const body = { events: session(site, Date.now() - 3 * MIN) };
    setEventsStream({
      put: async () => {
        throw new StorageUnavailableError('The events stream is unavailable; please retry');
      },
    });
    try {
      const failed = await postEvents(body);
      expect(failed.statusCode).toBe(503);
      expect(failed.headers).toMatchObject({ 'Retry-After': '5' });
    } finally {
      setEventsStream(store.stream());
    }
    expect((await snapshot(site)).totals.pageviews).toBe(0);
    expect(parse(await postEvents(body)).data).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect(parse(await postEvents(body)).data).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect((await snapshot(site)).totals).toEqual({ pageviews: 2, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: 50, events: 1 });
  });

  it('when the consumer cannot write, the records wait on the stream and count once when it can', async () => {
    const site = 'consumer-down.test';
    const body = { events: session(site, Date.now() - 3 * MIN) };
    breakTable('STATS_TABLE');
    // The request itself needs the stats table (site registry, salt): warm both first.
    process.env.STATS_TABLE = saved.STATS_TABLE;
    await postEvents({ events: [wireEvent({ session: newSessionId(), at: Date.now() - 3 * MIN, site })] });
    const before = await snapshot(site);
    breakTable('SESSIONS_TABLE');
    const answered = await postEvents(body);
    // The records are on the stream: the request is done, whatever the consumer does.
    expect(answered.statusCode).toBe(200);
    expect(store.stream().pending()).toBeGreaterThan(0);
    process.env.SESSIONS_TABLE = saved.SESSIONS_TABLE;
    await store.stream().drain();
    expect(store.stream().pending()).toBe(0);
    const after = await snapshot(site);
    expect(after.totals.pageviews).toBe(before.totals.pageviews + 2);
    expect(after.totals.sessions).toBe(before.totals.sessions + 1);
  });
});
