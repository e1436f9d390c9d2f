import { describe, expect, it } from 'vitest';
import { normalizeStats } from '../src/api/normalize.js';
import {
  DEFAULT_PERIOD,
  offeredIntervals,
  parseFilter,
  parseFragment,
  serializeFragment,
  statsFilter,
  statsQuery,
  sameWindow,
  withChanges,
  withFilter,
  type Filter,
  type ViewState,
} from '../src/state/view-state.js';
import { statsFixture } from './support/fixtures.js';

/** An answer of a collector older than `meta.intervals`, for a window given by its ends. */
const olderAnswer = (from: string, to: string) => normalizeStats({ from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` });
/** The same, for the periods the dashboard offers (ends as the collector resolves them). */
const olderPeriod = { today: olderAnswer('2025-03-05', '2025-03-06'), '12mo': olderAnswer('2024-03-06', '2025-03-06'), '7d': olderAnswer('2025-02-27', '2025-03-06') };

describe('parseFragment', () => {
  it('reads site, period, interval and filter', () => {
    expect(parseFragment('#site=shop.example&period=30d&interval=day&filter=page%3A%2Fpricing')).toEqual({
      state: { site: 'shop.example', period: '30d', interval: 'day', filters: [{ dimension: 'page', op: 'is', value: '/pricing' }] },
    });
  });

  it('opens the single filter of an older link as one `is` chip, written back the same', () => {
    for (const [hash, filter] of [
      ['#site=a.test&filter=country%3ADE', { dimension: 'country', op: 'is', value: 'DE' }],
      ['#site=a.test&filter=event:signup', { dimension: 'event', op: 'is', value: 'signup' }],
      ['#site=a.test&filter=page%3A%2Fa%3Ab', { dimension: 'page', op: 'is', value: '/a:b' }],
    ] as const) {
      const { state } = parseFragment(hash);
      expect(state.filters).toEqual([filter]);
      expect(new URLSearchParams(serializeFragment(state)).get('filter')).toBe(`${filter.dimension}:${filter.value}`);
    }
    expect(serializeFragment(parseFragment('#site=a.test&filter=country%3ADE').state)).toBe('site=a.test&filter=country%3ADE');
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
    expect(parseFilter('page:/a:b')).toEqual({ dimension: 'page', op: 'is', value: '/a:b' });
    expect(parseFilter('event:signup')).toEqual({ dimension: 'event', op: 'is', value: 'signup' });
    // An event named "props:x" stays an event: properties are written `prop:`.
    expect(parseFilter('event:props:x')).toEqual({ dimension: 'event', op: 'is', value: 'props:x' });
  });

  it('reads operators, the entry and exit page, and properties by their key', () => {
    expect(parseFilter('!country:DE')).toEqual({ dimension: 'country', op: 'is_not', value: 'DE' });
    expect(parseFilter('~entry_page:/blog')).toEqual({ dimension: 'entry_page', op: 'contains', value: '/blog' });
    expect(parseFilter('exit_page:/bye')).toEqual({ dimension: 'exit_page', op: 'is', value: '/bye' });
    expect(parseFilter('prop:plan:pro:max')).toEqual({ dimension: 'event:props:plan', op: 'is', value: 'pro:max' });
    expect(parseFilter('~prop:a%3Ab:c')).toEqual({ dimension: 'event:props:a:b', op: 'contains', value: 'c' });
  });

  it('refuses unknown dimensions, missing separators, empty values and keys', () => {
    for (const text of ['nonsense:1', ':x', 'page', 'page:', '!:x', '?page:/', 'prop:plan', 'prop::x', 'prop:%E0%A4%A:x']) {
      expect(parseFilter(text), text).toBeUndefined();
    }
  });
});

describe('serializeFragment', () => {
  it('round-trips every field, leaving defaults out', () => {
    const state = withChanges(
      { period: DEFAULT_PERIOD },
      {
        site: 'a.test',
        period: 'custom',
        from: '2025-01-01',
        to: '2025-01-31',
        interval: 'day',
        filters: [{ dimension: 'referrer', op: 'is', value: 'news.ycombinator.com' }],
      },
    );
    const text = serializeFragment(state);
    expect(text).not.toContain('key');
    expect(parseFragment(`#${text}`).state).toEqual(state);
    expect(serializeFragment({ period: DEFAULT_PERIOD, site: 'a.test' })).toBe('site=a.test');
  });

  it('round-trips chips in order, values with : , & # spaces and unicode, and property keys with them too', () => {
    const filters: Filter[] = [
      { dimension: 'page', op: 'is', value: '/a:b,c&d#e f' },
      { dimension: 'country', op: 'is_not', value: 'DE' },
      { dimension: 'page', op: 'contains', value: ' /blog?x=1&y=2 ' },
      { dimension: 'event:props:plan', op: 'is', value: 'pro, "max" & co #1' },
      { dimension: 'event:props:a:b,c&d#e f%', op: 'contains', value: 'ünïcødé ✓ 日本語 🎉' },
      { dimension: 'event', op: 'is_not', value: 'props:x' },
      { dimension: 'utm_campaign', op: 'is', value: '%41%' },
    ];
    const state: ViewState = { site: 'shop.example', period: '30d', filters };
    const text = serializeFragment(state);
    expect(parseFragment(`#${text}`)).toEqual({ state });
    // Every chip is one parameter: nothing in a value starts another one or ends the fragment.
    expect(new URLSearchParams(text).getAll('filter')).toHaveLength(filters.length);
    expect(text).not.toMatch(/[#\s]/);
    expect(new URLSearchParams(text).getAll('filter').slice(0, 2)).toEqual(['page:/a:b,c&d#e f', '!country:DE']);
  });

  it('drops the chips it cannot read and keeps the others', () => {
    expect(parseFragment('#filter=page:/a&filter=colour:red&filter=~os:Lin').state.filters).toEqual([
      { dimension: 'page', op: 'is', value: '/a' },
      { dimension: 'os', op: 'contains', value: 'Lin' },
    ]);
  });

  it('encodes hostile values so they stay one parameter', () => {
    const state = withChanges({ period: '7d' }, { filters: [{ dimension: 'page', op: 'is', value: '/x&key=stolen#y' }] });
    const parsed = parseFragment(`#${serializeFragment(state)}`);
    expect(parsed.key).toBeUndefined();
    expect(parsed.state.filters).toEqual([{ dimension: 'page', op: 'is', value: '/x&key=stolen#y' }]);
  });
});

describe('chips', () => {
  const is = (dimension: Filter['dimension'], value: string): Filter => ({ dimension, op: 'is', value });

  it('adds a chip once, and a new `is` in place of the `is` on its dimension', () => {
    let filters = withFilter(undefined, is('page', '/a'));
    filters = withFilter(filters, is('country', 'DE'));
    expect(withFilter(filters, is('country', 'DE'))).toEqual(filters);
    expect(withFilter(filters, is('page', '/b'))).toEqual([is('page', '/b'), is('country', 'DE')]);
    const notA: Filter = { dimension: 'page', op: 'is_not', value: '/a' };
    expect(withFilter(filters, notA)).toEqual([is('page', '/a'), is('country', 'DE'), notA]);
    expect(withFilter([notA], { ...notA, value: '/c' })).toHaveLength(2);
  });

  it('leaves to GET /api/stats only none, or one `is` chip on a dimension it filters on', () => {
    expect(statsFilter(undefined)).toEqual({ filter: null });
    expect(statsFilter([is('os', 'iOS')])).toEqual({ filter: { dimension: 'os', value: 'iOS' } });
    expect(statsFilter([is('event', 'signup')])).toEqual({ filter: { dimension: 'event', value: 'signup' } });
    expect(statsFilter([is('os', 'iOS'), is('country', 'DE')])).toBeUndefined();
    expect(statsFilter([{ dimension: 'os', op: 'contains', value: 'i' }])).toBeUndefined();
    expect(statsFilter([{ dimension: 'os', op: 'is_not', value: 'iOS' }])).toBeUndefined();
    expect(statsFilter([is('entry_page', '/')])).toBeUndefined();
    expect(statsFilter([is('event:props:plan', 'pro')])).toBeUndefined();
  });

  it('clears the chips when the last one goes', () => {
    expect(withChanges({ period: '7d', filters: [is('os', 'iOS')] }, { filters: [] })).toEqual({ period: '7d' });
  });
});

describe('statsQuery', () => {
  it('asks for a named period with the filter', () => {
    const query = statsQuery({ site: 'a.test', period: '30d', filters: [{ dimension: 'country', op: 'is', value: 'DE' }] }, { include: 'health' });
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
    expect(sameWindow({ period: '7d' }, { period: '7d', filters: [{ dimension: 'os', op: 'is', value: 'iOS' }] })).toBe(false);
  });

  it('clears the custom dates when leaving the custom period and a removed filter', () => {
    const custom: ViewState = { period: 'custom', from: '2025-01-01', to: '2025-01-05', filters: [{ dimension: 'os', op: 'is', value: 'iOS' }] };
    expect(withChanges(custom, { period: '24h', filters: undefined })).toEqual({ period: '24h' });
  });
});
