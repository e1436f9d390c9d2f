import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError } from '../src/errors.js';
import { clientAddress, clientInfo, countryCode, fileTime, pageInfo, referrerHost } from '../src/service/enrich.js';
import { REASON } from '@liveinsight/contract';
import { assertSomeValid, parseEventsBody, parseStatsQuery, parseRealtimeQuery, resolveStatsWindow } from '../src/service/validate.js';
import { CHROME_UA, IPHONE_UA } from './support/api.js';

const event = (overrides: Record<string, unknown> = {}) => ({ event_type: 'page_view', session_id: 'session-123', ...overrides });
const batch = (events: unknown[]) => JSON.stringify({ events, sent_at: 1_700_000_000_000 });

describe('parseEventsBody', () => {
  it("accepts the original docs' single event and scales its seconds to milliseconds", () => {
    const parsed = parseEventsBody('{"event_type":"page_view","timestamp":1693900000,"session_id":"test-session"}');
    expect(parsed.batch).toBe(false);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ eventType: 'page_view', sessionId: 'test-session', timestamp: 1693900000_000, siteId: 'default' });
  });

  it('refuses a body over 64 KB with 413, whatever it holds', () => {
    const body = JSON.stringify({ events: [event({ props: { note: 'x'.repeat(400) } })], padding: 'y'.repeat(65 * 1024) });
    expect(() => parseEventsBody(body)).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['malformed JSON', '{"event_type":', 'Body is not valid JSON'],
    ['a JSON array', '[1,2]', 'Body must be an event object or {"events":[...]}'],
    ['a JSON string', '"hi"', 'Body must be an event object or {"events":[...]}'],
    ['events not an array', '{"events":{}}', 'events must be an array'],
    ['an empty batch', '{"events":[]}', 'events is empty'],
    ['51 events', batch(Array.from({ length: 51 }, () => event())), 'At most 50 events per request (got 51)'],
    ['a bad sent_at', JSON.stringify({ events: [event()], sent_at: 'soon' }), 'sent_at must be a positive number (milliseconds)'],
  ])('refuses %s with 400', (_, body, message) => {
    expect(() => parseEventsBody(body)).toThrow(new BadRequestError(message));
  });

  it.each([
    ['event_type missing', { event_type: undefined }, REASON.event_type],
    ['event_type too long', { event_type: 'x'.repeat(65) }, REASON.event_type],
    ['session_id too short', { session_id: 'short' }, REASON.session_id],
    ['session_id with a slash', { session_id: 'abc/defgh' }, REASON.session_id],
    ['session_id too long', { session_id: 'a'.repeat(129) }, REASON.session_id],
    ['event_id a number', { event_id: 7 }, REASON.event_id],
    ['timestamp a string', { timestamp: '2024-01-01' }, REASON.timestamp],
    ['timestamp negative', { timestamp: -5 }, REASON.timestamp],
    ['page_url too long', { page_url: `https://a.test/${'p'.repeat(2000)}` }, REASON.page_url],
    ['referrer not a string', { referrer: 42 }, REASON.referrer],
    ['site_id with #', { site_id: 'a#b' }, REASON.site_id],
    ['props an array', { props: [1, 2] }, REASON.props],
    ['31 props', { props: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])) }, REASON.props],
    ['a nested prop', { props: { plan: { tier: 'pro' } } }, REASON.prop_value],
    ['a prop value over 500 characters', { props: { note: 'x'.repeat(501) } }, REASON.prop_value],
    ['a prop key over 64 characters', { props: { ['k'.repeat(65)]: 1 } }, REASON.prop_key],
    ['a NaN-like prop', { props: { n: null } }, REASON.prop_value],
    ['a bad screen', { screen: 'big' }, REASON.screen],
  ])('rejects an event with %s, naming the problem', (_, overrides, reason) => {
    const parsed = parseEventsBody(JSON.stringify(event(overrides)));
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toMatchObject([{ index: 0, reason }]);
    expect(() => assertSomeValid(parsed)).toThrow(new BadRequestError(reason));
  });

  it('names the first bad index of a batch in which nothing is valid', () => {
    const parsed = parseEventsBody(batch([event({ session_id: 'x' }), 'not an event']));
    expect(() => assertSomeValid(parsed)).toThrow(new BadRequestError(`events[0]: ${REASON.session_id}`));
  });

  it('keeps the valid events of a partly valid batch and lists the others', () => {
    const parsed = parseEventsBody(batch([event(), event({ session_id: 'no' }), event({ event_type: 'signup' }), 5]));
    expect(parsed.events.map((e) => e.index)).toEqual([0, 2]);
    expect(parsed.rejected.map(({ index, reason }) => ({ index, reason }))).toEqual([
      { index: 1, reason: REASON.session_id },
      { index: 3, reason: REASON.not_an_object },
    ]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses %s as a prop key and never touches Object.prototype', (key) => {
    const body = `{"event_type":"signup","session_id":"session-123","props":{"${key}":{"polluted":true},"ok":1}}`;
    const parsed = parseEventsBody(body);
    expect(parsed.rejected).toMatchObject([{ index: 0, reason: REASON.prop_key }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('keeps flat props as entries, not as an object built from input keys', () => {
    const parsed = parseEventsBody(JSON.stringify(event({ event_type: 'signup', props: { plan: 'pro', seats: 3, trial: false } })));
    expect(parsed.events[0]!.props).toEqual([
      ['plan', 'pro'],
      ['seats', 3],
      ['trial', false],
    ]);
  });
});

describe('fileTime', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);

  it('corrects a client clock that runs an hour fast using sent_at', () => {
    const skew = 3_600_000;
    const filed = fileTime(now - 10_000 + skew, now - 2_000 + skew, now, false);
    expect(filed).toEqual({ ok: true, time: now - 8_000 });
  });

  it('files events more than a day old or more than 5 minutes ahead at receive time', () => {
    expect(fileTime(now - 25 * 3_600_000, undefined, now, false)).toEqual({ ok: true, time: now });
    expect(fileTime(now + 6 * 60_000, undefined, now, false)).toEqual({ ok: true, time: now });
    expect(fileTime(1693900000_000, undefined, now, false)).toEqual({ ok: true, time: now });
  });

  it('keeps a time within the window but never files into the future', () => {
    expect(fileTime(now - 3_600_000, undefined, now, false)).toEqual({ ok: true, time: now - 3_600_000 });
    expect(fileTime(now + 60_000, undefined, now, false)).toEqual({ ok: true, time: now });
  });

  it('trusts a backfill up to 400 days back and refuses older', () => {
    expect(fileTime(now - 300 * 86_400_000, now, now, true)).toEqual({ ok: true, time: now - 300 * 86_400_000 });
    expect(fileTime(now - 401 * 86_400_000, now, now, true)).toEqual({ ok: false });
    expect(fileTime(now + 86_400_000, now, now, true)).toEqual({ ok: true, time: now });
  });
});

describe('enrichment', () => {
  it('reduces the page URL to its path, keeps hash routes and reads utm_*', () => {
    expect(pageInfo('https://www.Example.com/pricing?utm_source=news&utm_medium=email&utm_campaign=spring')).toEqual({
      path: '/pricing',
      host: 'example.com',
      utmSource: 'news',
      utmMedium: 'email',
      utmCampaign: 'spring',
    });
    expect(pageInfo('https://app.test/#/settings').path).toBe('/#/settings');
    expect(pageInfo('/docs?x=1').path).toBe('/docs');
    expect(pageInfo('').path).toBe('(unknown)');
  });

  it('keeps only the referrer host and drops self-referrals', () => {
    expect(referrerHost('https://www.google.com/search?q=secret', 'example.com', 'example.com')).toBe('google.com');
    expect(referrerHost('https://example.com/other', 'example.com', 'example.com')).toBe('');
    expect(referrerHost('https://www.example.com/other', '', 'example.com')).toBe('');
    expect(referrerHost('not a url', 'example.com', 'example.com')).toBe('');
  });

  it('parses browser, OS and device with ua-parser-js and spots bots with isbot', () => {
    expect(clientInfo(CHROME_UA)).toEqual({ browser: 'Chrome', os: 'Windows', device: 'desktop', bot: false });
    expect(clientInfo(IPHONE_UA)).toMatchObject({ browser: 'Mobile Safari', os: 'iOS', device: 'mobile', bot: false });
    expect(clientInfo('Googlebot/2.1 (+http://www.google.com/bot.html)').bot).toBe(true);
    expect(clientInfo('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36').bot).toBe(true);
    expect(clientInfo('').bot).toBe(false);
  });

  it('takes the country from CloudFront and the address from the first X-Forwarded-For hop', () => {
    expect(countryCode('de')).toBe('DE');
    expect(countryCode('Germany')).toBe('(unknown)');
    expect(countryCode(undefined)).toBe('(unknown)');
    expect(clientAddress('198.51.100.4, 130.176.0.1', '130.176.0.1')).toBe('198.51.100.4');
    expect(clientAddress(undefined, '203.0.113.7')).toBe('203.0.113.7');
  });
});

describe('read parameters', () => {
  const now = Date.UTC(2024, 4, 1, 12, 30);

  it.each([
    [{}, 'site_id is required'],
    [{ site_id: 'a b' }, 'site_id must be 1-100 characters of [A-Za-z0-9._:-]'],
    [{ site_id: 's', period: '1y' }, 'period must be one of today, 24h, 7d, 28d, 30d, 91d, month, last_month, 12mo, year, all'],
    [{ site_id: 's', period: '7d', from: '2024-01-01', to: '2024-01-02' }, 'Give either period or from/to, not both'],
    [{ site_id: 's', from: '2024-01-01' }, 'from and to must be given together'],
    [{ site_id: 's', from: 'yesterday', to: '2024-01-02' }, 'from must be an ISO date (YYYY-MM-DD), an ISO date-time or epoch milliseconds'],
    [{ site_id: 's', from: '2024-02-01', to: '2024-01-01' }, 'from must be before to'],
    [{ site_id: 's', from: '2022-01-01', to: '2024-01-01' }, 'The window may span at most 400 days'],
    [{ site_id: 's', interval: 'week' }, 'interval must be hour or day'],
    [{ site_id: 's', filter: 'planet:mars' }, 'filter must be <dimension>:<value> with dimension one of page, referrer, utm_source, utm_medium, utm_campaign, country, browser, os, device, event'],
    [{ site_id: 's', filter: 'page:' }, 'filter must be <dimension>:<value> with dimension one of page, referrer, utm_source, utm_medium, utm_campaign, country, browser, os, device, event'],
    [{ site_id: 's', include: 'everything' }, 'include accepts only "health"'],
  ])('stats refuses %j', (params, message) => {
    expect(() => parseStatsQuery(params)).toThrow(new BadRequestError(message));
  });

  it('resolves named periods to UTC windows and refuses hourly series past 31 days', () => {
    const window = (params: Record<string, string>) => resolveStatsWindow(parseStatsQuery({ site_id: 's', ...params }), now);
    expect(window({ period: '24h' })).toEqual({ from: Date.UTC(2024, 3, 30, 13), to: Date.UTC(2024, 4, 1, 13), interval: 'hour' });
    expect(window({ period: 'today' })).toEqual({ from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 4, 2), interval: 'hour' });
    expect(window({ period: '30d' })).toEqual({ from: Date.UTC(2024, 3, 2), to: Date.UTC(2024, 4, 2), interval: 'day' });
    expect(window({ from: '2024-04-01', to: '2024-04-01' })).toEqual({ from: Date.UTC(2024, 3, 1), to: Date.UTC(2024, 3, 2), interval: 'hour' });
    expect(() => window({ period: '12mo', interval: 'hour' })).toThrow(new BadRequestError('interval=hour allows windows of at most 31 days'));
  });

  it('takes compare=previous_period|year_over_year or a custom compare_from/compare_to, and refuses the rest naming the field', () => {
    expect(parseStatsQuery({ site_id: 's' }).compare).toEqual({ mode: 'previous_period' });
    expect(parseStatsQuery({ site_id: 's', compare: 'year_over_year' }).compare).toEqual({ mode: 'year_over_year' });
    expect(parseStatsQuery({ site_id: 's', compare_from: '2024-01-01', compare_to: '2024-01-07' }).compare).toEqual({ mode: 'custom', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 8) });
    expect(() => parseStatsQuery({ site_id: 's', compare: 'last_decade' })).toThrow(/^compare must be one of previous_period, year_over_year/);
    expect(() => parseStatsQuery({ site_id: 's', compare_from: '2024-01-01' })).toThrow('compare_from and compare_to must be given together');
    expect(() => parseStatsQuery({ site_id: 's', compare_from: '2024-01-09', compare_to: '2024-01-07' })).toThrow('compare_from must be before compare_to');
  });

  it('resolves the calendar periods and the longer rolling ones as Plausible names them', () => {
    // now is 2024-05-01 12:30 UTC, the first day of a month.
    const window = (period: string) => {
      const { from, to } = resolveStatsWindow(parseStatsQuery({ site_id: 's', period }), now);
      return [new Date(from).toISOString().slice(0, 10), new Date(to - 1).toISOString().slice(0, 10)];
    };
    expect(window('28d')).toEqual(['2024-04-04', '2024-05-01']);
    expect(window('91d')).toEqual(['2024-02-01', '2024-05-01']);
    expect(window('month')).toEqual(['2024-05-01', '2024-05-01']);
    expect(window('last_month')).toEqual(['2024-04-01', '2024-04-30']);
    expect(window('year')).toEqual(['2024-01-01', '2024-05-01']);
    // All time: the longest window served, 400 days ending today.
    expect(window('all')).toEqual(['2023-03-29', '2024-05-01']);
    expect(() => parseStatsQuery({ site_id: 's', period: '6mo' })).toThrow(/period must be one of today, 24h, 7d, 28d, 30d, 91d, month, last_month, 12mo, year, all/);
  });

  it('realtime takes minutes from 1 to 30', () => {
    expect(parseRealtimeQuery({ site_id: 's' })).toEqual({ siteId: 's', minutes: 5, filters: [] });
    expect(parseRealtimeQuery({ site_id: 's', minutes: '30' })).toEqual({ siteId: 's', minutes: 30, filters: [] });
    for (const minutes of ['0', '31', '2.5', 'five']) {
      expect(() => parseRealtimeQuery({ site_id: 's', minutes })).toThrow(new BadRequestError('minutes must be an integer from 1 to 30'));
    }
  });

  it('realtime takes filters as the chips write them, on what a live session holds', () => {
    expect(parseRealtimeQuery({ site_id: 's' }, ['country:DE', '!device:mobile', '~page:/blog:2'])).toMatchObject({
      filters: [
        { dimension: 'country', op: 'is', value: 'DE' },
        { dimension: 'device', op: 'is_not', value: 'mobile' },
        // Only the first colon separates: a value may hold more.
        { dimension: 'page', op: 'contains', value: '/blog:2' },
      ],
    });
    expect(() => parseRealtimeQuery({ site_id: 's' }, ['planet:Mars'])).toThrow(/^filter\[0\]: the dimension must be one of/);
    expect(() => parseRealtimeQuery({ site_id: 's' }, ['page'])).toThrow(/^filter\[0\]/);
    expect(() => parseRealtimeQuery({ site_id: 's' }, Array.from({ length: 11 }, () => 'os:Linux'))).toThrow('filter: at most 10');
  });
});
