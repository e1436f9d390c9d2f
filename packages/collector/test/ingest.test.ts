import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocumentClient } from '../src/store/client.js';
import { tableName } from '../src/store/tables.js';
import { fnv1a } from '../src/lib/hash.js';
import { sessionKey } from '../src/store/sessions-store.js';
import { REASON } from '@liveinsight/contract';
import { backfill, ingestOk, newSessionId, postEvents, stats, statsRequest, wireEvent } from './support/api.js';
import { parse } from './support/events.js';
import { useTestStore } from './support/store.js';
import { DAY, HOUR } from './support/time.js';

useTestStore();
const KEY = 'ingest-test-key';
beforeAll(() => {
  process.env.LIVEINSIGHT_API_KEY = KEY;
});
afterAll(() => {
  delete process.env.LIVEINSIGHT_API_KEY;
});

/** Two event ids that the old key (`ms × 1000 + fnv1a(id) % 1000`) could not tell apart. */
function collidingIds(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `collide-${i}`;
    const slot = fnv1a(id) % 1000;
    const earlier = seen.get(slot);
    if (earlier) return [earlier, id];
    seen.set(slot, id);
  }
}
const day = (site: string) => stats({ site_id: site, period: 'today' });

describe('POST /api/events stores and counts', () => {
  it('keeps two events of one session in the same second (and millisecond) and counts both', async () => {
    const session = newSessionId();
    const at = Date.now() - 1_000;
    const result = await ingestOk({
      events: [wireEvent({ session, at, url: 'https://same.test/a', site: 'same.test' }), wireEvent({ session, at, url: 'https://same.test/b', site: 'same.test' })],
      sent_at: Date.now(),
    });
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const data = await day('same.test');
    expect(data.totals.pageviews).toBe(2);
    expect(Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews]))).toEqual({ '/a': 1, '/b': 1 });
  });

  it('counts both events of one millisecond whose ids the old raw-event key mapped to one slot', async () => {
    const site = 'collide.test';
    const session = newSessionId();
    const at = Date.now() - 2_000;
    const [first, second] = collidingIds();
    expect(fnv1a(first) % 1000).toBe(fnv1a(second) % 1000);
    const result = await ingestOk({
      events: [
        wireEvent({ session, id: first, at, site, url: 'https://collide.test/one' }),
        wireEvent({ session, id: second, at, site, url: 'https://collide.test/two' }),
      ],
    });
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const data = await day(site);
    expect(Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews]))).toEqual({ '/one': 1, '/two': 1 });
  });

  it('keeps two sites that share a session id (and an event id) apart', async () => {
    const session = newSessionId();
    const at = Date.now() - 2_000;
    // The same event id too: the worst case for a key built from the event alone.
    const events = ['a.shared.test', 'b.shared.test'].map((site) => wireEvent({ session, id: 'same-id', at, site, url: `https://${site}/` }));
    expect(await ingestOk({ events })).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    for (const site of ['a.shared.test', 'b.shared.test']) expect((await day(site)).totals).toMatchObject({ pageviews: 1, sessions: 1 });
  });

  it('counts a retried batch once: the retry is put on the stream again and changes no number', async () => {
    const site = 'retry.test';
    const session = newSessionId();
    const at = Date.now() - 60_000;
    const body = {
      events: [
        wireEvent({ session, at, site, url: 'https://retry.test/', referrer: 'https://news.ycombinator.com/item?id=1' }),
        wireEvent({ session, at: at + 5_000, site, type: 'signup', props: { plan: 'pro' } }),
        wireEvent({ session, at: at + 9_000, site, type: 'engagement', props: { engaged_ms: 8000, scroll: 60 } }),
      ],
      sent_at: Date.now(),
    };
    expect(await ingestOk(body)).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const first = await day(site);
    expect(first.totals).toMatchObject({ pageviews: 1, sessions: 1, visitors: 1, events: 1, bounce_rate: 0, avg_duration_s: 9 });

    // The request cannot tell a retry from a first send: the consumer's seen-set can.
    expect(await ingestOk(body)).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const again = await day(site);
    expect(again.totals).toEqual(first.totals);
    expect(again.breakdowns).toEqual(first.breakdowns);
    expect(again.timeseries).toEqual(first.timeseries);
  });

  it('counts an event repeated within one request once', async () => {
    const session = newSessionId();
    const event = wireEvent({ session, at: Date.now() - 1_000, site: 'twice.test' });
    expect(await ingestOk({ events: [event, event] })).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect((await day('twice.test')).totals.pageviews).toBe(1);
  });

  it('stores the good events of a partly bad batch and lists the rejected indexes with reasons', async () => {
    const session = newSessionId();
    const at = Date.now() - 1_000;
    const result = await ingestOk({
      events: [
        wireEvent({ session, at, site: 'partial.test' }),
        { ...wireEvent({ session, at, site: 'partial.test' }), session_id: 'bad' },
        // JSON.parse makes `__proto__` an own key, as it arrives on the wire.
        { ...wireEvent({ session, at, site: 'partial.test' }), props: JSON.parse('{"__proto__":{"polluted":1}}') },
        wireEvent({ session, at: at + 1, site: 'partial.test', url: 'https://partial.test/two' }),
      ],
    });
    expect(result).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 1, reason: REASON.session_id },
        { index: 2, reason: REASON.prop_key },
      ],
    });
    expect((await day('partial.test')).totals.pageviews).toBe(2);
  });

  it('answers 400 naming the first problem when no event is valid, and stores nothing', async () => {
    const result = await postEvents({ events: [{ event_type: 'page_view', session_id: 'x', site_id: 'none.test' }] });
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toEqual({ status: 'error', message: `events[0]: ${REASON.session_id}` });
    expect((await day('none.test')).totals.pageviews).toBe(0);
  });

  it('answers bots 200 and counts them only in ingestion health', async () => {
    const site = 'bots.test';
    const result = await ingestOk(
      { events: [wireEvent({ session: newSessionId(), at: Date.now(), site }), wireEvent({ session: newSessionId(), at: Date.now(), site })] },
      { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    );
    expect(result).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
    const data = await stats({ site_id: site, period: 'today', include: 'health' });
    expect(data.totals.pageviews).toBe(0);
    expect(data.totals.sessions).toBe(0);
    expect(data.health!.totals.bots).toBe(2);
  });

  it('files an event from a clock an hour fast where it happened, using sent_at', async () => {
    const site = 'skew.test';
    const now = Date.now();
    const skew = HOUR;
    // The event happened 2 hours ago on a clock that runs an hour fast; the batch was sent just now.
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: now - 2 * HOUR + skew, site })], sent_at: now + skew });
    const data = await stats({ site_id: site, period: '24h' });
    const hit = data.timeseries.filter((p) => p.pageviews > 0).map((p) => p.t);
    expect(hit).toEqual([new Date(Math.floor((now - 2 * HOUR) / HOUR) * HOUR).toISOString()]);
  });

  it("files the original docs' 2023 timestamp at receive time, and untrusted old events too", async () => {
    const site = 'old.test';
    await ingestOk({ event_type: 'page_view', timestamp: 1693900000, session_id: newSessionId(), site_id: site });
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now() - 3 * DAY, site })] });
    const data = await stats({ site_id: site, period: 'today' });
    expect(data.totals.pageviews).toBe(2);
  });
});

describe('backfill with X-API-Key', () => {
  it('keeps the timestamps up to 400 days back and refuses older', async () => {
    const site = 'backfill.test';
    const session = newSessionId();
    const threeDaysAgo = Math.floor(Date.now() / DAY) * DAY - 3 * DAY + 10 * HOUR;
    const result = await backfill([
      wireEvent({ session, at: threeDaysAgo, site }),
      wireEvent({ session: newSessionId(), at: Date.now() - 401 * DAY, site }),
    ]);
    expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: REASON.too_old }] });
    const dayOf = new Date(threeDaysAgo).toISOString().slice(0, 10);
    const then = await stats({ site_id: site, from: dayOf, to: dayOf });
    expect(then.totals).toMatchObject({ pageviews: 1, visitors: 1, sessions: 1, bounce_rate: 1 });
    expect((await stats({ site_id: site, period: 'today' })).totals.pageviews).toBe(0);
  });

  it('refuses a POST with a wrong key rather than treating it as untrusted', async () => {
    const result = await postEvents({ events: [wireEvent({ session: newSessionId(), at: Date.now() })] }, { apiKey: 'wrong' });
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toEqual({ status: 'error', message: 'Invalid API key' });
  });
});

describe('ingestion health (include=health)', () => {
  it('counts accepted, duplicates, bots and rejections by reason per day', async () => {
    const site = 'health.test';
    const session = newSessionId();
    const events = [wireEvent({ session, at: Date.now(), site }), wireEvent({ session, at: Date.now(), site, type: 'signup' })];
    await ingestOk({ events: [...events, { ...events[0], session_id: '!' }, { ...events[0], props: { constructor: 'x' } }] });
    await ingestOk({ events });
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site })] }, { userAgent: 'curl/8.4.0' });
    const data = await stats({ site_id: site, period: 'today', include: 'health' });
    const expected = { accepted: 2, duplicates: 2, bots: 1, rejected: 2, rejected_by_reason: { session_id: 1, prop_key: 1 } };
    expect(data.health!.totals).toEqual(expected);
    expect(data.health!.days).toEqual([{ date: new Date().toISOString().slice(0, 10), ...expected }]);
    const without = await stats({ site_id: site, period: 'today' });
    expect(without.health).toBeUndefined();
  });
});

describe('GET /api/stats reads rollups only', () => {
  it('answers the same with the sessions table gone', async () => {
    const site = 'rollups.test';
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site }), wireEvent({ session: newSessionId(), at: Date.now(), site, type: 'signup' })] });
    const before = await stats({ site_id: site, period: '7d' });
    const sessions = process.env.SESSIONS_TABLE;
    process.env.SESSIONS_TABLE = 'no-such-table';
    try {
      const result = await statsRequest({ site_id: site, period: '7d' });
      expect(result.statusCode).toBe(200);
      const after = parse(result).data;
      const normal = (d: typeof before) => ({ ...d, meta: { ...d.meta, generated_at: '', items_read: 0, counted_until: '' } });
      expect(normal(after)).toEqual(normal(before));
    } finally {
      process.env.SESSIONS_TABLE = sessions;
    }
  });
});

describe('ingestBatch (imports and the bench seed)', () => {
  it('counts a session of 120 events in one batch exactly once, sent twice', async () => {
    const { ingestBatch, senderOf } = await import('../src/service/ingest.js');
    const { parseEventsBody } = await import('../src/service/validate.js');
    const site = 'import.test';
    const session = newSessionId();
    const start = Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 9 * HOUR;
    const wire = Array.from({ length: 120 }, (_, i) =>
      wireEvent({ session, at: start + i * 10_000, site, type: i % 3 === 2 ? 'engagement' : 'page_view', url: `https://import.test/p${i % 7}` }),
    );
    const sender = senderOf({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', sourceIp: '198.51.100.9' });
    const entries = [0, 50, 100].flatMap((i) => parseEventsBody(JSON.stringify({ events: wire.slice(i, i + 50) })).events).map((event) => ({ event, sender }));
    expect(await ingestBatch(entries, { receivedAt: Date.now(), trusted: true })).toEqual({ accepted: 120, duplicates: 0, rejected: [] });
    expect(await ingestBatch(entries, { receivedAt: Date.now(), trusted: true })).toEqual({ accepted: 120, duplicates: 0, rejected: [] });
    const label = new Date(start).toISOString().slice(0, 10);
    const data = await stats({ site_id: site, from: label, to: label });
    expect(data.totals).toEqual({ pageviews: 80, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: 1190, events: 0 });
    expect(data.breakdowns.browsers).toEqual([{ value: 'Firefox', pageviews: 80, visitors: 1 }]);
    // The last page view is event 118 (event 119 is its engagement): /p${118 % 7}.
    expect(data.breakdowns.exit_pages).toEqual([{ value: '/p6', pageviews: 1, visitors: 1 }]);
  });
});
