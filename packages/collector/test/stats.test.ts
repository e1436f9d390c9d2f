import { describe, expect, it } from 'vitest';
import { TOP_ROWS } from '../src/service/stats.js';
import { backfill, ingestOk, newSessionId, sites, stats, useApiKey, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';
import { DAY, HOUR, label, TODAY } from './support/time.js';

const { consumingWith } = useTestStore();
useApiKey('stats-test-key');


/** `n` one-page sessions over `pages` distinct paths, in requests of 50 events. */
async function traffic(site: string, n: number, at: number, pages = 5) {
  const events = Array.from({ length: n }, (_, i) =>
    wireEvent({ session: newSessionId(), at: at + i * 1000, site, url: `https://${site}/p${i % pages}`, referrer: 'https://www.bing.com/' }),
  );
  for (let i = 0; i < events.length; i += 50) await backfill(events.slice(i, i + 50), { country: 'SE' });
}

describe('GET /api/stats', () => {
  it('reads as many rollup items for 10 events as for 150 with the same pages, sources and browsers', async () => {
    const at = TODAY - 2 * DAY + 9 * HOUR;
    await traffic('small.test', 10, at);
    await traffic('large.test', 150, at);
    const small = await stats({ site_id: 'small.test', period: '7d' });
    const large = await stats({ site_id: 'large.test', period: '7d' });
    expect(small.totals.pageviews).toBe(10);
    expect(large.totals.pageviews).toBe(150);
    expect(large.meta.items_read).toBe(small.meta.items_read);
  });

  it('compares with the period before', async () => {
    const site = 'compare.test';
    await traffic(site, 3, TODAY - 10 * DAY);
    await traffic(site, 5, TODAY - 3 * DAY);
    const data = await stats({ site_id: site, period: '7d' });
    expect(data.totals.pageviews).toBe(5);
    expect(data.previous.pageviews).toBe(3);
    expect(data.previous.sessions).toBe(3);
    expect(data.timeseries).toHaveLength(7);
    expect(data.timeseries.map((p) => p.pageviews)).toEqual([0, 0, 0, 5, 0, 0, 0]);
  });

  it('answers month to date and last month from the days each calendar month holds', async () => {
    const site = 'months.test';
    const now = new Date(TODAY);
    const thisMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const lastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
    // The last day of last month, and its first: both in last_month; today only in month.
    await traffic(site, 4, thisMonth - DAY + HOUR);
    await traffic(site, 2, lastMonth + HOUR);
    await traffic(site, 3, TODAY + HOUR > Date.now() ? TODAY : TODAY + HOUR);
    const last = await stats({ site_id: site, period: 'last_month' });
    expect([last.period, last.from, last.to]).toEqual(['last_month', new Date(lastMonth).toISOString(), new Date(thisMonth).toISOString()]);
    expect(last.totals.pageviews).toBe(6);
    const current = await stats({ site_id: site, period: 'month' });
    expect(current.from).toBe(new Date(thisMonth).toISOString());
    expect(current.totals.pageviews).toBe(3);
    // The last 28 days hold today's and, when today is early in the month, last month's end.
    const recent = await stats({ site_id: site, period: '28d' });
    expect(recent.totals.pageviews).toBe(3 + (TODAY - (thisMonth - DAY) < 28 * DAY ? 4 : 0) + (TODAY - lastMonth < 28 * DAY ? 2 : 0));
  });

  it('compares with a year earlier or with given days when asked, and names the window in meta.compare', async () => {
    const site = 'yoy.test';
    const now = new Date(TODAY);
    const yearAgo = Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), now.getUTCDate()) - 3 * DAY;
    await traffic(site, 5, TODAY - 3 * DAY);
    await traffic(site, 7, yearAgo + HOUR);
    await traffic(site, 2, TODAY - 10 * DAY);
    const plain = await stats({ site_id: site, period: '7d' });
    expect(plain.previous.pageviews).toBe(2);
    expect(plain.meta.compare).toEqual({ mode: 'previous_period', from: new Date(TODAY - 13 * DAY).toISOString(), to: new Date(TODAY - 6 * DAY).toISOString() });
    const yoy = await stats({ site_id: site, period: '7d', compare: 'year_over_year' });
    expect(yoy.totals.pageviews).toBe(5);
    expect(yoy.previous.pageviews).toBe(7);
    expect(yoy.meta.compare.mode).toBe('year_over_year');
    expect(Date.parse(yoy.meta.compare.from)).toBeLessThanOrEqual(yearAgo);
    expect(Date.parse(yoy.meta.compare.to)).toBeGreaterThan(yearAgo);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const custom = await stats({ site_id: site, period: '7d', compare_from: day(TODAY - 10 * DAY), compare_to: day(TODAY - 10 * DAY) });
    expect(custom.previous.pageviews).toBe(2);
    expect(custom.meta.compare).toEqual({ mode: 'custom', from: new Date(TODAY - 10 * DAY).toISOString(), to: new Date(TODAY - 9 * DAY).toISOString() });
  });

  it('says in meta which numbers are exact and whether the current bucket is filling', async () => {
    const site = 'meta.test';
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site })] });
    const today = await stats({ site_id: site, period: 'today' });
    expect(today.meta).toMatchObject({ timezone: 'UTC', bucket: 'hour', current_bucket_filling: true });
    expect(today.meta.filling_bucket).toBe(new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString());
    expect(today.meta.exact).toMatchObject({ totals: true, previous: true });
    expect(today.meta.exact.timeseries).toBe(false); // hourly visitors: first hour of the day

    const last24h = await stats({ site_id: site, period: '24h' });
    expect(last24h.meta.exact.breakdowns).toBe(false);
    // In the last hour of a UTC day the 24 hours are exactly today: no wider days then.
    if (new Date().getUTCHours() !== 23) expect(last24h.meta.approximations.map((a) => a.field)).toContain('breakdowns');

    const past = await stats({ site_id: site, from: label(TODAY - 9 * DAY), to: label(TODAY - 8 * DAY) });
    expect(past.meta.current_bucket_filling).toBe(false);
    expect(past.meta.filling_bucket).toBeNull();
    expect(past.meta.approximations.map((a) => a.field)).toContain('totals.visitors');
  });

  it('gives a backfill’s values the slots first come, folds the rest into (other), and keeps the counts', async () => {
    // Anonymous traffic fills only the first half first come (caps.test.ts); a key holder's backfill fills the cap.
    const site = 'capped.test';
    await consumingWith({ caps: { page: 3 } }, () => traffic(site, 6, TODAY - 4 * DAY + HOUR, 6));
    const data = await stats({ site_id: site, from: label(TODAY - 4 * DAY), to: label(TODAY - 4 * DAY) });
    // Which three pages get the slots depends on the order the sessions are counted in.
    const admitted = data.breakdowns.pages.filter((row) => row.value !== '(other)');
    expect(admitted).toHaveLength(3);
    for (const row of admitted) {
      expect(row.value).toMatch(/^\/p[0-5]$/);
      expect(row).toMatchObject({ pageviews: 1, visitors: 1 });
    }
    expect(data.breakdowns.pages.find((row) => row.value === '(other)')).toEqual({ value: '(other)', pageviews: 3, visitors: 3 });
    expect(data.meta.other_folded).toBe(true);
    expect(data.totals.pageviews).toBe(6);
  });

  it(`returns the top ${TOP_ROWS} rows of a breakdown, sorted, with the rest folded into (other)`, async () => {
    const site = 'many.test';
    const at = TODAY - 5 * DAY + HOUR;
    const session = newSessionId();
    const views = Array.from({ length: TOP_ROWS + 5 }, (_, i) => wireEvent({ session, at: at + i * 1000, site, url: `https://many.test/page-${String(i).padStart(3, '0')}` }));
    // Two extra views make page-104 the most viewed.
    views.push(wireEvent({ session, at: at + 200_000, site, url: 'https://many.test/page-104' }), wireEvent({ session, at: at + 201_000, site, url: 'https://many.test/page-104' }));
    for (let i = 0; i < views.length; i += 50) await backfill(views.slice(i, i + 50));
    const { breakdowns } = await stats({ site_id: site, from: label(at), to: label(at) });
    expect(breakdowns.pages).toHaveLength(TOP_ROWS + 1);
    expect(breakdowns.pages[0]).toEqual({ value: '/page-104', pageviews: 3, visitors: 1 });
    expect(breakdowns.pages[1]!.value).toBe('/page-000');
    expect(breakdowns.pages[TOP_ROWS]).toEqual({ value: '(other)', pageviews: 5, visitors: 5 });
    expect(breakdowns.pages.reduce((sum, r) => sum + r.pageviews, 0)).toBe(TOP_ROWS + 7);
  });
});

describe('GET /api/sites', () => {
  it('lists the sites that have data with their page views of the last 24 hours, busiest first', async () => {
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site: 'busy.test' }), wireEvent({ session: newSessionId(), at: Date.now(), site: 'busy.test' })] });
    await ingestOk({ events: [wireEvent({ session: newSessionId(), at: Date.now(), site: 'quiet.test' })] });
    const { sites: list } = await sites();
    const byId = Object.fromEntries(list.map((s) => [s.site_id, s.pageviews_24h]));
    expect(byId['busy.test']).toBe(2);
    expect(byId['quiet.test']).toBe(1);
    // Sites with only older data are listed too, with nothing in the last 24 hours.
    expect(byId['compare.test']).toBe(0);
    expect(list.map((s) => s.pageviews_24h)).toEqual([...list.map((s) => s.pageviews_24h)].sort((a, b) => b - a));
  });
});

describe('the cache of unchanged days', () => {
  it('notices a backfill into a day it has already read', async () => {
    const site = 'cache.test';
    const day = TODAY - 3 * DAY + 10 * HOUR;
    await traffic(site, 2, day);
    const first = await stats({ site_id: site, period: '7d' });
    const again = await stats({ site_id: site, period: '7d' });
    expect(again.totals).toEqual(first.totals);
    expect(again.meta.items_read).toBeLessThan(first.meta.items_read);
    await traffic(site, 3, day + HOUR);
    const after = await stats({ site_id: site, period: '7d' });
    expect(after.totals.pageviews).toBe(5);
    expect(after.breakdowns.pages.reduce((sum, r) => sum + r.pageviews, 0)).toBe(5);
  });

  it('notices a later request that changes an earlier day without a page view on it (exit pages across midnight)', async () => {
    const site = 'cache-midnight.test';
    const session = newSessionId();
    const lateEvening = TODAY - 2 * DAY - 40 * 60_000;
    await backfill([
      wireEvent({ session, at: lateEvening - 20 * 60_000, site, url: 'https://cache-midnight.test/' }),
      wireEvent({ session, at: lateEvening, site, url: 'https://cache-midnight.test/evening' }),
    ]);
    const window = { site_id: site, from: label(lateEvening), to: label(lateEvening) };
    const before = await stats(window);
    expect(before.breakdowns.exit_pages).toEqual([{ value: '/evening', pageviews: 1, visitors: 1 }]);
    // 50 minutes later, after midnight: no duration (idle), no bounce change, nothing else of that day changes.
    await backfill([wireEvent({ session, at: lateEvening + 50 * 60_000, site, url: 'https://cache-midnight.test/morning' })]);
    // The evening view was followed after midnight: it is no longer an exit of that day.
    const after = await stats(window);
    expect(after.breakdowns.exit_pages).toEqual([]);
    expect(after.totals).toEqual(before.totals);
  });

  it('answers the same with the cache off', async () => {
    const cached = await stats({ site_id: 'compare.test', period: '30d' });
    process.env.LIVEINSIGHT_STATS_CACHE = 'off';
    try {
      const direct = await stats({ site_id: 'compare.test', period: '30d' });
      expect({ ...direct, meta: { ...direct.meta, generated_at: '', items_read: 0, counted_until: '' } }).toEqual({
        ...cached,
        meta: { ...cached.meta, generated_at: '', items_read: 0, counted_until: '' },
      });
    } finally {
      delete process.env.LIVEINSIGHT_STATS_CACHE;
    }
  });
});
