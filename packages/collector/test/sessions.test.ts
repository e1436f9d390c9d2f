import { beforeAll, describe, expect, it } from 'vitest';
import type { BreakdownRow, StatsData } from '@liveinsight/contract';
import { backfill, IPHONE_UA, newSessionId, onDay, stats, useApiKey, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';
import { DAY, HOUR, label, MIN, TODAY } from './support/time.js';

useTestStore();
useApiKey('sessions-test-key');

/** Midnight UTC five days ago: every scenario below is a backfill around it. */
const MIDNIGHT = TODAY - 5 * DAY;
const counts = (rows: BreakdownRow[], pick: (r: BreakdownRow) => number = (r) => r.pageviews) =>
  Object.fromEntries(rows.map((r) => [r.value, pick(r)]));
const hourly = (data: StatsData) => Object.fromEntries(data.timeseries.filter((p) => p.pageviews || p.sessions || p.visitors).map((p) => [p.t.slice(11, 13), p]));

describe('bounces', () => {
  it('counts a one-page session as a bounce until its second page view arrives in a later request', async () => {
    const site = 'bounce.test';
    const session = newSessionId();
    const at = MIDNIGHT + 10 * HOUR;
    await backfill([wireEvent({ session, at, site })]);
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 1, sessions: 1, bounce_rate: 1 });
    await backfill([wireEvent({ session, at: at + MIN, site, url: 'https://bounce.test/two' })]);
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 2, sessions: 1, bounce_rate: 0, avg_duration_s: 60 });
  });

  it('un-bounces on a custom event but not on an engagement event', async () => {
    const site = 'custom-bounce.test';
    const at = MIDNIGHT + 11 * HOUR;
    const engaged = newSessionId();
    await backfill(
      [wireEvent({ session: engaged, at, site }), wireEvent({ session: engaged, at: at + 30_000, site, type: 'engagement', props: { engaged_ms: 30000, scroll: 80 } })],
      { ip: '198.51.100.21' },
    );
    const converted = newSessionId();
    await backfill([wireEvent({ session: converted, at, site })], { ip: '198.51.100.22' });
    await backfill([wireEvent({ session: converted, at: at + 10_000, site, type: 'signup', props: { plan: 'pro' } })], { ip: '198.51.100.22' });
    const data = await onDay(site, at);
    expect(data.totals).toEqual({ pageviews: 2, visitors: 2, sessions: 2, bounce_rate: 0.5, avg_duration_s: 20, events: 1 });
  });
});

describe('one session id on two sites', () => {
  it('makes two sessions, each counted for its own site', async () => {
    // Two scripts with different data-site on one page share the tab's session id.
    const session = newSessionId();
    const at = MIDNIGHT + 15 * HOUR;
    await backfill([wireEvent({ session, at, site: 'first.test' }), wireEvent({ session, at: at + 1000, site: 'second.test' })]);
    await backfill([wireEvent({ session, at: at + 60_000, site: 'second.test', url: 'https://second.test/next' })]);
    const first = await onDay('first.test', at);
    const second = await onDay('second.test', at);
    expect(first.totals).toMatchObject({ pageviews: 1, sessions: 1, bounce_rate: 1 });
    expect(second.totals).toMatchObject({ pageviews: 2, sessions: 1, bounce_rate: 0, avg_duration_s: 59 });
    expect(counts(second.breakdowns.entry_pages, (r) => r.pageviews)).toEqual({ '/': 1 });
  });
});

describe('duration and buckets', () => {
  it('files session metrics in the start bucket and page views where they happened, across midnight', async () => {
    const site = 'midnight.test';
    const session = newSessionId();
    const start = MIDNIGHT + DAY - 10 * MIN; // 23:50
    await backfill([wireEvent({ session, at: start, site, url: 'https://midnight.test/late' })]);
    await backfill([
      wireEvent({ session, at: start + 20 * MIN, site, url: 'https://midnight.test/next' }), // 00:10 next day
      wireEvent({ session, at: start + 22 * MIN, site, type: 'engagement', props: { engaged_ms: 120000, scroll: 40 } }),
    ]);
    const first = await onDay(site, start);
    const second = await onDay(site, start + DAY);
    // The session, its (non-)bounce and all 22 minutes belong to the day it started.
    expect(first.totals).toEqual({ pageviews: 1, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: 1320, events: 0 });
    // The second page view, and the visitor (counted once per UTC day), belong to the next day.
    expect(second.totals).toEqual({ pageviews: 1, visitors: 1, sessions: 0, bounce_rate: 0, avg_duration_s: 0, events: 0 });
    const both = await stats({ site_id: site, from: label(start), to: label(start + DAY) });
    expect(both.totals).toMatchObject({ pageviews: 2, sessions: 1, visitors: 2, avg_duration_s: 1320 });
    expect(both.meta.approximations.map((a) => a.field)).toContain('totals.visitors');

    const hours = hourly(await stats({ site_id: site, from: String(start - 50 * MIN), to: String(start + HOUR) , interval: 'hour' }));
    expect(hours['23']).toMatchObject({ pageviews: 1, sessions: 1, visitors: 1 });
    expect(hours['00']).toMatchObject({ pageviews: 1, sessions: 0, visitors: 1 });
  });

  it('does not count an idle gap over 30 minutes as duration', async () => {
    const site = 'idle.test';
    const session = newSessionId();
    const at = MIDNIGHT + 8 * HOUR;
    await backfill([wireEvent({ session, at, site }), wireEvent({ session, at: at + 2 * MIN, site, url: 'https://idle.test/b' })]);
    await backfill([wireEvent({ session, at: at + 2 * MIN + 45 * MIN, site, url: 'https://idle.test/c' })]);
    await backfill([wireEvent({ session, at: at + 2 * MIN + 46 * MIN, site, type: 'engagement', props: { engaged_ms: 60000, scroll: 10 } })]);
    expect((await onDay(site, at)).totals).toMatchObject({ pageviews: 3, sessions: 1, avg_duration_s: 180 });
  });
});

describe('pages, entries and exits', () => {
  it('counts entry and exit pages from the session path, and page visitors once per session', async () => {
    const site = 'paths.test';
    const at = MIDNIGHT + 14 * HOUR;
    const url = (path: string) => `https://paths.test${path}`;
    const a = newSessionId();
    await backfill([wireEvent({ session: a, at, site, url: url('/') }), wireEvent({ session: a, at: at + MIN, site, url: url('/pricing') })]);
    await backfill([wireEvent({ session: a, at: at + 2 * MIN, site, url: url('/signup') }), wireEvent({ session: a, at: at + 3 * MIN, site, url: url('/pricing') })]);
    const b = newSessionId();
    await backfill([wireEvent({ session: b, at, site, url: url('/pricing') })]);
    const data = await onDay(site, at);
    expect(counts(data.breakdowns.pages)).toEqual({ '/pricing': 3, '/': 1, '/signup': 1 });
    expect(counts(data.breakdowns.pages, (r) => r.visitors)).toEqual({ '/pricing': 2, '/': 1, '/signup': 1 });
    expect(counts(data.breakdowns.entry_pages)).toEqual({ '/': 1, '/pricing': 1 });
    expect(counts(data.breakdowns.exit_pages)).toEqual({ '/pricing': 2 });
    expect(data.breakdowns.pages.map((r) => r.value)).toEqual(['/pricing', '/', '/signup']);
  });
});

describe('visitors', () => {
  it('counts one visitor for two sessions from the same address and browser on a day, two for two browsers', async () => {
    const site = 'visitors.test';
    const at = MIDNIGHT + 9 * HOUR;
    await backfill([wireEvent({ session: newSessionId(), at, site })], { ip: '198.51.100.10' });
    await backfill([wireEvent({ session: newSessionId(), at: at + HOUR, site })], { ip: '198.51.100.10' });
    await backfill([wireEvent({ session: newSessionId(), at: at + HOUR, site })], { ip: '198.51.100.10', userAgent: IPHONE_UA });
    await backfill([wireEvent({ session: newSessionId(), at: at + DAY, site })], { ip: '198.51.100.10' });
    expect((await onDay(site, at)).totals).toMatchObject({ sessions: 3, visitors: 2 });
    expect((await onDay(site, at + DAY)).totals).toMatchObject({ sessions: 1, visitors: 1 });
  });
});

describe('dimensions and filters', () => {
  const site = 'dims.test';
  const at = MIDNIGHT + 16 * HOUR;

  beforeAll(async () => {
    const desktop = newSessionId();
    await backfill(
      [
        wireEvent({ session: desktop, at, site, url: 'https://dims.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring', referrer: 'https://mail.example.net/inbox' }),
        wireEvent({ session: desktop, at: at + MIN, site, url: 'https://dims.test/pricing', referrer: 'https://dims.test/' }),
        wireEvent({ session: desktop, at: at + 2 * MIN, site, type: 'signup', props: { plan: 'pro', seats: 3 } }),
      ],
      { country: 'DE', ip: '198.51.100.1' },
    );
    const phone = newSessionId();
    await backfill(
      [
        wireEvent({ session: phone, at: at + HOUR, site, url: 'https://dims.test/pricing', referrer: 'https://www.google.com/' }),
        wireEvent({ session: phone, at: at + HOUR + MIN, site, type: 'signup', props: { plan: 'free' } }),
        wireEvent({ session: phone, at: at + HOUR + 2 * MIN, site, type: 'download', props: { url: 'https://dims.test/a.pdf' } }),
      ],
      { country: 'fr', ip: '198.51.100.2', userAgent: IPHONE_UA },
    );
    await backfill([wireEvent({ session: newSessionId(), at: at + 2 * HOUR, site, url: 'https://dims.test/' })], { ip: '198.51.100.3' });
  });

  it('breaks down by source, utm, browser, OS, device and country, with events and their props', async () => {
    const { breakdowns: b, totals } = await onDay(site, at);
    expect(totals).toMatchObject({ pageviews: 4, sessions: 3, visitors: 3, events: 3 });
    expect(counts(b.referrers)).toEqual({ 'mail.example.net': 2, 'google.com': 1, '(direct)': 1 });
    expect(counts(b.referrers, (r) => r.visitors)).toEqual({ 'mail.example.net': 1, 'google.com': 1, '(direct)': 1 });
    expect(counts(b.utm_source)).toEqual({ newsletter: 2 });
    expect(counts(b.utm_medium)).toEqual({ email: 2 });
    expect(counts(b.utm_campaign)).toEqual({ spring: 2 });
    expect(counts(b.browsers)).toEqual({ Chrome: 3, 'Mobile Safari': 1 });
    expect(counts(b.os)).toEqual({ Windows: 3, iOS: 1 });
    expect(counts(b.devices)).toEqual({ desktop: 3, mobile: 1 });
    expect(counts(b.countries)).toEqual({ DE: 2, FR: 1, '(unknown)': 1 });
    expect(b.events).toEqual([
      { value: 'signup', count: 2, props: [{ key: 'plan', value: 'free', count: 1 }, { key: 'plan', value: 'pro', count: 1 }, { key: 'seats', value: '3', count: 1 }] },
      { value: 'download', count: 1, props: [{ key: 'url', value: 'https://dims.test/a.pdf', count: 1 }] },
    ]);
  });

  it.each([
    ['country:DE', { pageviews: 2, visitors: 1, sessions: 1, events: 1, bounce_rate: 0 }],
    ['country:fr', { pageviews: 1, visitors: 1, sessions: 1, events: 2 }],
    ['browser:Chrome', { pageviews: 3, visitors: 2, sessions: 2, events: 1, bounce_rate: 0.5 }],
    ['device:mobile', { pageviews: 1, sessions: 1, events: 2 }],
    ['os:iOS', { pageviews: 1, sessions: 1 }],
    ['referrer:(direct)', { pageviews: 1, sessions: 1, bounce_rate: 1 }],
    ['referrer:google.com', { pageviews: 1, sessions: 1, events: 2, avg_duration_s: 120 }],
    ['utm_campaign:spring', { pageviews: 2, sessions: 1, avg_duration_s: 120 }],
    ['page:/pricing', { pageviews: 2, visitors: 2, sessions: 1 }],
    ['event:signup', { events: 2, visitors: 2, pageviews: 0 }],
  ])('filter %s narrows the totals and the time series', async (filter, expected) => {
    const data = await stats({ site_id: site, from: label(at), to: label(at), filter });
    expect(data.totals).toMatchObject(expected);
    expect(data.interval).toBe('day');
    expect(data.timeseries.reduce((sum, p) => sum + p.pageviews, 0)).toBe(data.totals.pageviews);
    expect(data.filter).toEqual({ dimension: filter.split(':')[0], value: filter.split(':').slice(1).join(':') });
  });
});
