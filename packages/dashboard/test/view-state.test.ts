import { describe, expect, it } from 'vitest';
import { normalizeStats } from '../src/api/normalize.js';
import {
  DEFAULT_PERIOD,
  offeredIntervals,
  parseFilter,
  parseFragment,
  serializeFragment,
  statsQuery,
  sameWindow,
  withChanges,
} from '../src/state/view-state.js';
import { statsFixture } from './support/fixtures.js';

/** An answer of a collector older than `meta.intervals`, for a window given by its ends. */
const olderAnswer = (from: string, to: string) => normalizeStats({ from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` });
/** The same, for the periods the dashboard offers (ends as the collector resolves them). */
const olderPeriod = { today: olderAnswer('2025-03-05', '2025-03-06'), '12mo': olderAnswer('2024-03-06', '2025-03-06'), '7d': olderAnswer('2025-02-27', '2025-03-06') };

describe('parseFragment', () => {
  it('reads site, period, interval and filter', () => {
    expect(parseFragment('#site=shop.example&period=30d&interval=day&filter=page%3A%2Fpricing')).toEqual({
      state: { site: 'shop.example', period: '30d', interval: 'day', filter: { dimension: 'page', value: '/pricing' } },
    });
  });

  it('splits off the key so the caller can store it and drop it from the URL', () => {
    const parsed = parseFragment('#key=s3cret&site=a.test');
    expect(parsed.key).toBe('s3cret');
    expect(serializeFragment(parsed.state)).toBe('site=a.test');
  });

  it('falls back to defaults for anything it cannot read', () => {
    expect(parseFragment('#period=forever&interval=minute&filter=colour:red').state).toEqual({ period: DEFAULT_PERIOD });
    expect(parseFragment('').state).toEqual({ period: DEFAULT_PERIOD });
    expect(parseFragment('#period=custom&from=2025-13-40&to=2025-01-02').state.period).toBe(DEFAULT_PERIOD);
  });

  it('reads a custom range and puts its ends in order', () => {
    expect(parseFragment('#from=2025-03-10&to=2025-03-01').state).toEqual({
      period: 'custom',
      from: '2025-03-01',
      to: '2025-03-10',
    });
  });
});

describe('parseFilter', () => {
  it('keeps colons inside the value', () => {
    expect(parseFilter('page:/a:b')).toEqual({ dimension: 'page', value: '/a:b' });
    expect(parseFilter('event:signup')).toEqual({ dimension: 'event', value: 'signup' });
  });

  it('refuses unknown dimensions and missing separators', () => {
    expect(parseFilter('nonsense:1')).toBeUndefined();
    expect(parseFilter(':x')).toBeUndefined();
    expect(parseFilter('page')).toBeUndefined();
  });
});

describe('serializeFragment', () => {
  it('round-trips every field, leaving defaults out', () => {
    const state = withChanges(
      { period: DEFAULT_PERIOD },
      { site: 'a.test', period: 'custom', from: '2025-01-01', to: '2025-01-31', interval: 'day', filter: { dimension: 'referrer', value: 'news.ycombinator.com' } },
    );
    const text = serializeFragment(state);
    expect(text).not.toContain('key');
    expect(parseFragment(`#${text}`).state).toEqual(state);
    expect(serializeFragment({ period: DEFAULT_PERIOD, site: 'a.test' })).toBe('site=a.test');
  });

  it('encodes hostile values so they stay one parameter', () => {
    const state = withChanges({ period: '7d' }, { filter: { dimension: 'page', value: '/x&key=stolen#y' } });
    const parsed = parseFragment(`#${serializeFragment(state)}`);
    expect(parsed.key).toBeUndefined();
    expect(parsed.state.filter).toEqual({ dimension: 'page', value: '/x&key=stolen#y' });
  });
});

describe('statsQuery', () => {
  it('asks for a named period with the filter', () => {
    const query = statsQuery({ site: 'a.test', period: '30d', filter: { dimension: 'country', value: 'DE' } }, { include: 'health' });
    expect(Object.fromEntries(query)).toEqual({ site_id: 'a.test', period: '30d', filter: 'country:DE', include: 'health' });
  });

  it('asks for a custom range by its dates', () => {
    const query = statsQuery({ site: 'a.test', period: 'custom', from: '2025-03-01', to: '2025-03-07', interval: 'hour' });
    expect(Object.fromEntries(query)).toEqual({ site_id: 'a.test', from: '2025-03-01', to: '2025-03-07', interval: 'hour' });
  });

  it('drops an interval that makes no sense for the period', () => {
    // What the API listed for this window, in the answer's meta.intervals.
    expect(statsQuery({ site: 'a.test', period: '12mo', interval: 'hour' }, {}, ['day']).has('interval')).toBe(false);
  });

  it('asks for the requested interval while no answer for the window tells otherwise', () => {
    expect(statsQuery({ site: 'a.test', period: '12mo', interval: 'hour' }).get('interval')).toBe('hour');
    expect(statsQuery({ site: 'a.test', period: '7d', interval: 'hour' }, {}, ['hour', 'day']).get('interval')).toBe('hour');
  });
});

describe('offeredIntervals and withChanges', () => {
  it('offers hours for short windows, days for long ones, both in between', () => {
    // An older collector sends no meta.intervals: the dashboard's former rule stands in.
    expect(offeredIntervals(olderPeriod.today)).toEqual(['hour']);
    expect(offeredIntervals(olderPeriod['12mo'])).toEqual(['day']);
    expect(offeredIntervals(olderPeriod['7d'])).toEqual(['hour', 'day']);
    // custom 2025-01-01 to 2025-03-01, the last day inclusive
    expect(offeredIntervals(olderAnswer('2025-01-01', '2025-03-02'))).toEqual(['day']);
  });

  it('offers what the answer lists, whatever the window', () => {
    const week = statsFixture();
    week.meta.intervals = ['day'];
    expect(offeredIntervals(week)).toEqual(['day']);
    week.meta.intervals = ['hour'];
    expect(offeredIntervals(week)).toEqual(['hour']);
    expect(offeredIntervals(undefined)).toEqual([]);
  });

  it('keeps the requested interval until an answer for the window says otherwise', () => {
    const hourly = { period: '7d' as const, interval: 'hour' as const };
    expect(withChanges(hourly, { period: '12mo' })).toEqual({ period: '12mo', interval: 'hour' });
    expect(withChanges(hourly, { period: '12mo' }, ['day'])).toEqual({ period: '12mo' });
    expect(withChanges({ period: '7d' }, { interval: 'hour' }, ['hour', 'day'])).toEqual(hourly);
  });

  it('tells views of one window and filter from others, whatever their interval', () => {
    expect(sameWindow({ period: '7d', interval: 'hour' }, { period: '7d' })).toBe(true);
    expect(sameWindow({ period: '7d' }, { period: '30d' })).toBe(false);
    expect(sameWindow({ period: '7d' }, { period: '7d', filter: { dimension: 'os', value: 'iOS' } })).toBe(false);
  });

  it('clears the custom dates when leaving the custom period and a removed filter', () => {
    const custom = { period: 'custom' as const, from: '2025-01-01', to: '2025-01-05', filter: { dimension: 'os' as const, value: 'iOS' } };
    expect(withChanges(custom, { period: '24h', filter: undefined })).toEqual({ period: '24h' });
  });
});
