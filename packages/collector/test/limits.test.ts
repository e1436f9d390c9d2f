import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { record } from '../capacity/recorder.js';
import { describe, expect, it } from 'vitest';
import { PROP_ITEMS_PER_BATCH } from '../src/service/increment-rules.js';
import { LIMITS, REASON } from '@liveinsight/contract';
import { sessionKey } from '../src/store/sessions-store.js';
import { getDocumentClient } from '../src/store/client.js';
import { dayPkOfLabel } from '../src/store/keys.js';
import { queryPartitions } from '../src/store/stats-store.js';
import { tableName } from '../src/store/tables.js';
import { backfill, newSessionId, onDay, postEvents, stats, useApiKey, wireEvent } from './support/api.js';
import { parse } from './support/events.js';
import { useTestStore } from './support/store.js';
import { DAY, HOUR, label, TODAY } from './support/time.js';

const { consumingWith, endpoint } = useTestStore();
useApiKey('limits-test-key');

/** Write units of the stats table while `body` runs, as the capacity model's recorder bills them. */
async function statsWriteUnits(body: () => Promise<unknown>): Promise<number> {
  const recorder = record(getDocumentClient(), endpoint());
  try {
    await body();
    return recorder.requests.filter((r) => !r.read && r.table === 'stats').reduce((sum, r) => sum + r.units, 0);
  } finally {
    recorder.detach();
  }
}

describe('sort keys past DynamoDB’s 1,024 bytes', () => {
  it('counts a source too long for a sort key as (other) and keeps the rest of the batch', async () => {
    const site = 'longkey.test';
    const at = TODAY - 3 * DAY + 9 * HOUR;
    const hashes = '%23'.repeat(100);
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(59)}.com`;
    expect(host.length).toBeGreaterThanOrEqual(244);
    const long = wireEvent({
      session: newSessionId(),
      at,
      site,
      url: `https://${site}/landing?utm_source=${hashes}&utm_medium=${hashes}&utm_campaign=${hashes}`,
      referrer: `https://${host}/`,
    });
    const good = wireEvent({ session: newSessionId(), at: at + 1000, site, url: `https://${site}/`, referrer: 'https://www.bing.com/' });
    const result = await postEvents({ events: [long, good], sent_at: Date.now() }, { apiKey: process.env.LIVEINSIGHT_API_KEY, ip: '198.51.100.40' });
    expect(result.statusCode).toBe(200);
    expect(parse(result).data).toMatchObject({ accepted: 2, duplicates: 0 });
    const data = await onDay(site, at);
    expect(data.totals).toMatchObject({ pageviews: 2, sessions: 2 });
    const referrers = Object.fromEntries(data.breakdowns.referrers.map((r) => [r.value, r.pageviews]));
    expect(referrers).toEqual({ 'bing.com': 1, '(other)': 1 });
  });
});

describe('writes per request', () => {
  it('sends values of a full bucket straight to (other) and still counts every one', async () => {
    const site = 'fullbucket.test';
    const at = TODAY - 4 * DAY + 9 * HOUR;
    const over = 29;
    const secondWrites = await consumingWith({ caps: { prop: 3 } }, async () => {
      // Five distinct values: three admitted, two over the cap (the bucket is found full).
      await backfill([wireEvent({ session: newSessionId(), at, site, type: 'signup', props: { a: 1, b: 2, c: 3, d: 4, e: 5 } })]);
      const props = Object.fromEntries(Array.from({ length: over }, (_, i) => [`k${i}`, i]));
      return statsWriteUnits(() => backfill([wireEvent({ session: newSessionId(), at: at + 1000, site, type: 'signup', props })]));
    });
    // Each over-cap value once (to its (other) item), plus the handful of totals and dimensions;
    // a failed conditional add and a refused slot claim per value would be three each.
    expect(secondWrites).toBeLessThan(2 * over);
    const [signup] = (await onDay(site, at)).breakdowns.events;
    expect(signup).toMatchObject({ value: 'signup', count: 2 });
    const folded = signup!.props.filter((p) => p.value === '(other)').reduce((sum, p) => sum + p.count, 0);
    const kept = signup!.props.filter((p) => p.value !== '(other)');
    expect(kept).toHaveLength(3);
    expect(folded).toBe(2 + over);
  });

  it(`writes at most ${PROP_ITEMS_PER_BATCH} distinct property items per session batch and counts the rest in (other)`, async () => {
    const site = 'manyprops.test';
    const at = TODAY - 6 * DAY + 9 * HOUR;
    const session = newSessionId();
    const events = Array.from({ length: 10 }, (_, e) =>
      wireEvent({ session, at: at + e * 1000, site, type: 'click', props: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${e}_${i}`, 'v'])) }),
    );
    await backfill(events);
    const pk = dayPkOfLabel(site, label(at));
    const items = (await queryPartitions([pk], 'prop#', true)).get(pk) ?? [];
    expect(items.length).toBeLessThanOrEqual(PROP_ITEMS_PER_BATCH + 1);
    expect(items.reduce((sum, item) => sum + Number(item.ev ?? 0), 0)).toBe(300);
    expect(items.some((item) => item.sk === 'prop#click#(other)#(other)')).toBe(true);
  });
});

describe('a session’s size', () => {
  it(`takes at most LIMITS.sessionEvents events and refuses the rest, with a reason`, async () => {
    const site = 'full.test';
    const session = newSessionId();
    const at = TODAY - 9 * DAY + 10 * HOUR;
    const limits = LIMITS as { sessionEvents: number };
    const saved = limits.sessionEvents;
    limits.sessionEvents = 6;
    try {
      const first = await backfill(Array.from({ length: 4 }, (_, i) => wireEvent({ session, at: at + i * 1000, site })));
      expect(first).toMatchObject({ accepted: 4, rejected: [] });
      // The request puts all four on the stream; the consumer takes two and refuses two.
      const second = await backfill(Array.from({ length: 4 }, (_, i) => wireEvent({ session, at: at + (10 + i) * 1000, site })));
      expect(second).toMatchObject({ accepted: 4, duplicates: 0, rejected: [] });
    } finally {
      limits.sessionEvents = saved;
    }
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 6, sessions: 1 });
    // Health is kept by the day the events were received.
    const data = await stats({ site_id: site, period: 'today', include: 'health' });
    expect(data.health!.totals).toMatchObject({ accepted: 6, rejected: 2, rejected_by_reason: { session_full: 2 } });
  });
});

describe('expired sessions', () => {
  const expire = (sessionId: string) =>
    getDocumentClient().send(
      new UpdateCommand({
        TableName: tableName('sessions'),
        Key: { session_id: sessionId },
        UpdateExpression: 'SET #ttl = :past',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 60 },
      }),
    );

  it('starts a new session when a session id comes back after its item expired', async () => {
    const site = 'expired.test';
    const session = newSessionId();
    const first = TODAY - 8 * DAY + 10 * HOUR;
    const again = TODAY - 7 * DAY + 10 * HOUR;
    const original = wireEvent({ session, at: first, site });
    await backfill([original]);
    await expire(sessionKey(site, session));
    // The same event again: the expired seen-set no longer makes it a duplicate.
    const replay = await backfill([original]);
    expect(replay).toMatchObject({ accepted: 1, duplicates: 0 });
    await expire(sessionKey(site, session));
    await backfill([wireEvent({ session, at: again, site, url: 'https://expired.test/back' })]);
    expect((await onDay(site, first)).totals).toMatchObject({ pageviews: 2, sessions: 2 });
    // Filed in its own start bucket, with its own entry page.
    const later = await onDay(site, again);
    expect(later.totals).toMatchObject({ pageviews: 1, sessions: 1, bounce_rate: 1 });
    expect(later.breakdowns.entry_pages.map((r) => r.value)).toEqual(['/back']);
  });

  it('does not extend an expired session with engagement events alone', async () => {
    const site = 'expired-engaged.test';
    const session = newSessionId();
    const at = TODAY - 9 * DAY + 10 * HOUR;
    await backfill([wireEvent({ session, at, site })]);
    await expire(sessionKey(site, session));
    await backfill([wireEvent({ session, at: at + 60_000, site, type: 'engagement', props: { engaged_ms: 60000, scroll: 50 } })]);
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 1, sessions: 1, avg_duration_s: 0 });
  });
});
