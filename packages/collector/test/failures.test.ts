import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDocumentClient, resetDocumentClient } from '../src/store/client.js';
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
  for (const name of ['DYNAMODB_ENDPOINT', 'STATS_TABLE', 'SESSIONS_TABLE', 'EVENTS_TABLE']) process.env[name] = saved[name];
  resetDocumentClient();
});

/** Points one table at a name that does not exist, as if it were unreachable, for the next requests. */
function breakTable(variable: 'STATS_TABLE' | 'SESSIONS_TABLE' | 'EVENTS_TABLE'): void {
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

  it('when rollups fail after the sessions were committed, the retry applies exactly what was missing', async () => {
    const site = 'partial-failure.test';
    const at = Date.now() - 5 * MIN;
    // Warm the site registry and the day's salt, so that the failure hits the rollups themselves.
    const reference = { events: session(site, at) };
    expect(parse(await postEvents(reference)).data.accepted).toBe(4);
    const expected = await snapshot(site);

    const other = `${site.replace('.test', '-b.test')}`;
    expect(parse(await postEvents({ events: session(other, at) })).data.accepted).toBe(4);
    const otherExpected = await snapshot(other);

    // Same traffic for a third site, sent while the stats table is unavailable.
    const third = site.replace('.test', '-c.test');
    await postEvents({ events: [wireEvent({ session: newSessionId(), at, site: third })] });
    const base = await snapshot(third);
    const body = { events: session(third, at) };
    // Another visitor: the visitor lookup itself fails and is parked too.
    const send = () => postEvents(body, { ip: '198.51.100.77' });
    breakTable('STATS_TABLE');
    const failed = await send();
    expect(failed.statusCode).toBe(503);
    process.env.STATS_TABLE = saved.STATS_TABLE;

    expect(await snapshot(third)).toEqual(base);
    const retried = await send();
    expect(retried.statusCode).toBe(200);
    expect(parse(retried).data).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    const after = await snapshot(third);
    expect(after.totals).toEqual({
      pageviews: base.totals.pageviews + expected.totals.pageviews,
      visitors: base.totals.visitors + expected.totals.visitors,
      sessions: base.totals.sessions + expected.totals.sessions,
      bounce_rate: 0.5,
      avg_duration_s: expected.totals.avg_duration_s / 2,
      events: 1,
    });
    expect(Object.fromEntries(after.breakdowns.pages.map((r) => [r.value, r.pageviews]))).toEqual({ '/': 2, '/pricing': 1 });
    expect(after.breakdowns.events).toEqual([{ value: 'signup', count: 1, props: [{ key: 'plan', value: 'pro', count: 1 }] }]);
    // A third send changes nothing: the parked increments were taken once.
    await send();
    expect(await snapshot(third)).toEqual(after);
    expect(otherExpected.totals).toEqual(expected.totals);
  });

  it('the next request of the session applies increments a failed request parked, even without a retry', async () => {
    const site = 'parked.test';
    const at = Date.now() - 5 * MIN;
    const warm = await postEvents({ events: [wireEvent({ session: newSessionId(), at, site })] });
    expect(warm.statusCode).toBe(200);
    const id = newSessionId();
    breakTable('STATS_TABLE');
    expect((await postEvents({ events: [wireEvent({ session: id, at, site, url: 'https://parked.test/a' })] })).statusCode).toBe(503);
    process.env.STATS_TABLE = saved.STATS_TABLE;
    expect((await postEvents({ events: [wireEvent({ session: id, at: at + MIN, site, url: 'https://parked.test/b' })] })).statusCode).toBe(200);
    const data = await stats({ site_id: site, period: 'today' });
    expect(data.totals).toMatchObject({ pageviews: 3, sessions: 2, bounce_rate: 0.5, avg_duration_s: 30 });
    expect(Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews]))).toEqual({ '/': 1, '/a': 1, '/b': 1 });
  });

  it('an error after the gate that is not an outage: the sessions that committed are counted, and the retry counts the rest once', async () => {
    const site = 'after-gate.test';
    const at = Date.now() - 4 * MIN;
    const sessions = [session(site, at), session(site, at + 1_000), session(site, at + 2_000)];
    const victim = sessions[1]![0]!.session_id;
    const body = { events: sessions.flat() };
    // A bug, not an outage: the store refuses the second session's commit once, as it
    // would a malformed request. The other two sessions have committed by then.
    let injected = 0;
    getDocumentClient().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; Key?: unknown };
        if (!injected && /Update/.test(context.commandName ?? '') && input.TableName === saved.SESSIONS_TABLE && JSON.stringify(input.Key).includes(victim)) {
          injected++;
          throw Object.assign(new Error('injected: not an outage'), { name: 'ValidationException', $fault: 'client' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectValidationError' },
    );
    const failed = await postEvents(body);
    expect(injected).toBe(1);
    expect(failed.statusCode).toBe(500);

    const retried = await postEvents(body);
    expect(parse(retried).data).toEqual({ accepted: 4, duplicates: 8, rejected: [] });
    // Ground truth: three sessions of one visitor, each 2 page views, a signup and 50 s long.
    const totals = (await snapshot(site)).totals;
    expect(totals).toEqual({ pageviews: 6, visitors: 1, sessions: 3, bounce_rate: 0, avg_duration_s: 50, events: 3 });
    expect(parse(await postEvents(body)).data).toEqual({ accepted: 0, duplicates: 12, rejected: [] });
    expect((await snapshot(site)).totals).toEqual(totals);
  });

  it('when the session commits fail, nothing is counted and the retry counts once', async () => {
    const site = 'sessions-down.test';
    const body = { events: session(site, Date.now() - 3 * MIN) };
    breakTable('SESSIONS_TABLE');
    expect((await postEvents(body)).statusCode).toBe(503);
    process.env.SESSIONS_TABLE = saved.SESSIONS_TABLE;
    expect((await snapshot(site)).totals.pageviews).toBe(0);
    expect(parse(await postEvents(body)).data).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect(parse(await postEvents(body)).data).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    expect((await snapshot(site)).totals).toEqual({ pageviews: 2, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: 50, events: 1 });
  });

  it('when the raw events cannot be stored, nothing is counted', async () => {
    const site = 'events-down.test';
    const body = { events: session(site, Date.now() - 3 * MIN) };
    breakTable('EVENTS_TABLE');
    expect((await postEvents(body)).statusCode).toBe(503);
    process.env.EVENTS_TABLE = saved.EVENTS_TABLE;
    expect((await snapshot(site)).totals.pageviews).toBe(0);
    expect(parse(await postEvents(body)).data.accepted).toBe(4);
  });
});
