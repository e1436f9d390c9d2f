import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDocumentClient } from '../src/store/client.js';
import { ACTIVITY_SHARDS, tableName } from '../src/store/tables.js';
import { activeKey, sessionKey } from '../src/store/sessions-store.js';
import { backfill, CHROME_UA, ingestOk, IPHONE_UA, newSessionId, realtime, realtimeRequest, useApiKey, wireEvent } from './support/api.js';
import { handler as realtimeHandler } from '../src/handlers/realtime.js';
import type { RealtimeData } from '@liveinsight/contract';
import { apiEvent } from './support/events.js';
import { parse } from './support/events.js';
import { useTestStore } from './support/store.js';
import { MIN } from './support/time.js';

useTestStore();
useApiKey('realtime-test-key');

const site = 'live.test';

describe('GET /api/realtime', () => {
  const sessions = Array.from({ length: 24 }, () => newSessionId('live'));

  beforeAll(async () => {
    const now = Date.now();
    await ingestOk({
      events: sessions.map((session, i) =>
        wireEvent({
          session,
          at: now - 1_000,
          site,
          url: `https://live.test/${i % 3 === 0 ? 'pricing' : 'docs'}`,
          referrer: i % 2 ? 'https://www.google.com/' : '',
        }),
      ),
    });
    // One of them moves on to another page: realtime shows where each session is now.
    await ingestOk({ events: [wireEvent({ session: sessions[1]!, at: now - 500, site, url: 'https://live.test/signup' })] });
  });

  it('spreads the sessions over the sharded ActivityIndex and reads every shard', async () => {
    // Inspecting the table is the one place a test scans: to see the index keys as stored.
    const items = (await getDocumentClient().send(new ScanCommand({ TableName: tableName('sessions') }))).Items ?? [];
    const shards = new Set(items.filter((item) => item.site_id === site).map((item) => item.is_active));
    expect(shards.size).toBeGreaterThan(2);
    for (const shard of shards) expect(shard).toMatch(new RegExp(`^live\\.test#[0-${ACTIVITY_SHARDS - 1}]$`));

    const data = await realtime({ site_id: site });
    expect(data.active_sessions).toBe(24);
    expect(data.pages).toEqual([
      { value: '/docs', sessions: 15 },
      { value: '/pricing', sessions: 8 },
      { value: '/signup', sessions: 1 },
    ]);
    expect(data.referrers).toEqual([
      { value: '(direct)', sessions: 12 },
      { value: 'google.com', sessions: 12 },
    ]);
  });

  it('counts page views per minute for the last 30 minutes', async () => {
    const data = await realtime({ site_id: site, minutes: '30' });
    expect(data.per_minute).toHaveLength(30);
    const total = data.per_minute.reduce((sum, m) => sum + m.pageviews, 0);
    expect(total).toBe(25);
    const last = new Date(data.per_minute[29]!.t).getTime();
    expect(Date.now() - last).toBeLessThan(2 * MIN);
  });

  it('leaves out sessions idle for longer than the window', async () => {
    const quiet = 'quiet.test';
    await backfill([wireEvent({ session: newSessionId(), at: Date.now() - 10 * MIN, site: quiet })]);
    expect((await realtime({ site_id: quiet, minutes: '5' })).active_sessions).toBe(0);
    expect((await realtime({ site_id: quiet, minutes: '15' })).active_sessions).toBe(1);
  });

  it('keeps backfilled history out of the index entirely (the index is sparse)', async () => {
    const session = newSessionId();
    await backfill([wireEvent({ session, at: Date.now() - 3 * 86_400_000, site: 'history.test' })]);
    const items = (await getDocumentClient().send(new ScanCommand({ TableName: tableName('sessions') }))).Items ?? [];
    const stored = items.find((item) => item.session_id === sessionKey('history.test', session));
    expect(stored).toBeDefined();
    expect(stored!.is_active).toBeUndefined();
  });

  it('filters out sessions whose TTL has passed but that DynamoDB has not deleted yet', async () => {
    const expired = 'expired.test';
    const now = Date.now();
    const put = (session_id: string, ttl: number) =>
      getDocumentClient().send(
        new PutCommand({
          TableName: tableName('sessions'),
          Item: { session_id, site_id: expired, is_active: activeKey(expired, session_id), last_activity: now - MIN, exit_page: '/', src: '', ttl },
        }),
      );
    await put(newSessionId(), Math.floor(now / 1000) - 60);
    await put(newSessionId(), Math.floor(now / 1000) + 3600);
    expect((await realtime({ site_id: expired })).active_sessions).toBe(1);
  });

  it('answers bad parameters with 400 and reads without the key with 401', async () => {
    const bad = await realtimeRequest({ site_id: site, minutes: '90' });
    expect(bad.statusCode).toBe(400);
    expect(parse(bad).message).toBe('minutes must be an integer from 1 to 30');
    const noKey = await realtimeRequest({ site_id: site }, {});
    expect(noKey.statusCode).toBe(401);
    expect(parse(noKey)).toEqual({ status: 'error', message: 'Missing X-API-Key header' });
    const wrong = await realtimeRequest({ site_id: site }, { 'x-api-key': 'nope' });
    expect(wrong.statusCode).toBe(401);
  });
});

describe('GET /api/realtime with filters: the live sessions themselves, narrowed', () => {
  const filtered = 'live-filters.test';
  interface Sent { session: string; country: string; mobile: boolean; entry: string; now: string }
  const sent: Sent[] = [];

  beforeAll(async () => {
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      const visit: Sent = { session: newSessionId('lf'), country: ['DE', 'SE', 'US'][i % 3]!, mobile: i % 4 === 0, entry: ['/', '/pricing', '/blog/one'][i % 5 % 3]!, now: '' };
      // Every third visit moves on: the page it is on now is not its entry page.
      visit.now = i % 3 === 1 ? '/pricing' : visit.entry;
      const events = [wireEvent({ session: visit.session, at: now - 2_000, site: filtered, url: `https://${filtered}${visit.entry}` })];
      if (visit.now !== visit.entry) events.push(wireEvent({ session: visit.session, at: now - 1_000, site: filtered, url: `https://${filtered}${visit.now}` }));
      await ingestOk({ events }, { country: visit.country, userAgent: visit.mobile ? IPHONE_UA : CHROME_UA, ip: `198.51.100.${i + 1}` });
      sent.push(visit);
    }
  });

  const ask = async (filters: string[]) => {
    const result = await realtimeHandler(
      apiEvent({
        httpMethod: 'GET',
        path: '/api/realtime',
        queryStringParameters: { site_id: filtered, filter: filters.at(-1)! },
        multiValueQueryStringParameters: { site_id: [filtered], filter: filters },
        headers: { 'X-API-Key': process.env.LIVEINSIGHT_API_KEY! },
      }),
    );
    return { status: result.statusCode, body: JSON.parse(result.body) as { data: RealtimeData; message?: string } };
  };
  /** The truth: the sessions the test sent that match, by the page they are on now. */
  const pagesOf = (visits: Sent[]) => {
    const counts = new Map<string, number>();
    for (const v of visits) counts.set(v.now, (counts.get(v.now) ?? 0) + 1);
    return [...counts].map(([value, sessions]) => ({ value, sessions })).sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
  };

  it('answers "visitors from Germany on /pricing right now" from the live sessions', async () => {
    const { status, body } = await ask(['country:DE', 'page:/pricing']);
    expect(status).toBe(200);
    const truth = sent.filter((v) => v.country === 'DE' && v.now === '/pricing');
    expect(truth.length).toBeGreaterThan(0);
    expect(body.data.active_sessions).toBe(truth.length);
    expect(body.data.pages).toEqual(pagesOf(truth));
    expect(body.data.filtered).toBe(true);
    // Unfiltered, every session, and no `filtered` flag.
    const all = await realtime({ site_id: filtered });
    expect(all.active_sessions).toBe(30);
    expect(all.filtered).toBeUndefined();
  });

  it('takes is not and contains, on dimensions the index does not hold (device, entry page)', async () => {
    const { body } = await ask(['!device:mobile', '~entry_page:BLOG']);
    const truth = sent.filter((v) => !v.mobile && v.entry.includes('blog'));
    expect(truth.length).toBeGreaterThan(0);
    expect(body.data.active_sessions).toBe(truth.length);
    expect(body.data.pages).toEqual(pagesOf(truth));
    const entered = await ask(['entry_page:/', 'country:SE']);
    expect(entered.body.data.active_sessions).toBe(sent.filter((v) => v.entry === '/' && v.country === 'SE').length);
  });

  it('answers a filter it cannot take with a 400 naming it', async () => {
    const cases: [string[], RegExp][] = [
      [['event:signup'], /filter\[0\]: the dimension must be one of page, entry_page/],
      [['country:DE', 'country:'], /filter\[1\]: a value is required/],
      [['prop:plan:pro'], /filter\[0\]/],
    ];
    for (const [filters, message] of cases) {
      const { status, body } = await ask(filters);
      expect(status, filters.join('&')).toBe(400);
      expect(body.message).toMatch(message);
    }
  });
});
