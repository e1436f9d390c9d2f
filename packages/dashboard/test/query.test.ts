import { describe, expect, it } from 'vitest';
import { chartInterval, dateRange, pageQueries, previousRange, queryFilters, realtimeQuery, type QueryAnswer, type QueryBody } from '../src/api/query.js';
import { archiveStats, breakdownsOf, pageStatsOf, timeseriesOf, totalsOf, withBreakdowns } from '../src/api/query-results.js';
import type { Filter, ViewState } from '../src/state/view-state.js';

/** 2025-03-05 14:30 UTC. */
const NOW = Date.UTC(2025, 2, 5, 14, 30);
const SITE = 'shop.example';
const CHIPS: Filter[] = [
  { dimension: 'page', op: 'is', value: '/pricing' },
  { dimension: 'country', op: 'is_not', value: 'DE' },
  { dimension: 'event:props:plan', op: 'contains', value: 'pro' },
];
const V2_FILTERS = [
  ['is', 'event:page', ['/pricing']],
  ['is_not', 'visit:country', ['DE']],
  ['contains', 'event:props:plan', ['pro']],
];

const answer = (results: QueryAnswer['results'], extra: Partial<QueryAnswer> = {}): QueryAnswer => ({
  results,
  meta: { engine: 'archive', generated_at: '2025-03-05T14:30:00.000Z' },
  ...extra,
});

describe('the v2 request', () => {
  it('maps every chip dimension and operator to its v2 filter', () => {
    const chips: Filter[] = (
      ['page', 'entry_page', 'exit_page', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'country', 'browser', 'os', 'device', 'event'] as const
    ).map((dimension) => ({ dimension, op: 'is', value: 'v' }));
    expect(queryFilters(chips).map((f) => f[1])).toEqual([
      'event:page',
      'visit:entry_page',
      'visit:exit_page',
      'visit:referrer',
      'visit:utm_source',
      'visit:utm_medium',
      'visit:utm_campaign',
      'visit:country',
      'visit:browser',
      'visit:os',
      'visit:device',
      'event:name',
    ]);
    expect(queryFilters(CHIPS)).toEqual(V2_FILTERS);
  });

  it('asks for the totals, the chart and every breakdown of a week with the chips', () => {
    const queries = pageQueries(SITE, { site: SITE, period: '7d', filters: CHIPS }, NOW);
    expect(queries.totals).toEqual({
      site_id: SITE,
      date_range: '7d',
      metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'events'],
      filters: V2_FILTERS,
    });
    expect(queries.timeseries).toEqual({ site_id: SITE, date_range: '7d', metrics: ['visitors', 'pageviews'], dimensions: ['time:day'], filters: V2_FILTERS });
    // The seven days before the week, as GET /api/stats compares with.
    expect(queries.previous).toEqual({ ...queries.totals, date_range: ['2025-02-20', '2025-02-26'] });
    expect(queries.breakdowns.pages).toEqual({
      site_id: SITE,
      date_range: '7d',
      metrics: ['visitors', 'pageviews'],
      dimensions: ['event:page'],
      filters: V2_FILTERS,
      pagination: { limit: 100 },
    });
    expect(queries.breakdowns.events).toEqual({
      site_id: SITE,
      date_range: '7d',
      metrics: ['events'],
      dimensions: ['event:name'],
      filters: V2_FILTERS,
      pagination: { limit: 100 },
    });
    expect(Object.fromEntries(Object.entries(queries.breakdowns).map(([name, body]) => [name, body.dimensions]))).toEqual({
      pages: ['event:page'],
      entry_pages: ['visit:entry_page'],
      exit_pages: ['visit:exit_page'],
      referrers: ['visit:referrer'],
      utm_source: ['visit:utm_source'],
      utm_medium: ['visit:utm_medium'],
      utm_campaign: ['visit:utm_campaign'],
      browsers: ['visit:browser'],
      os: ['visit:os'],
      devices: ['visit:device'],
      countries: ['visit:country'],
      events: ['event:name'],
    });
  });

  it('compares with the span just before the window: yesterday, the previous 24 hours, days before a custom range', () => {
    expect(previousRange({ period: 'today' }, NOW)).toEqual(['2025-03-04', '2025-03-04']);
    expect(previousRange({ period: '24h' }, NOW)).toEqual(['2025-03-03T15:00:00.000Z', '2025-03-04T14:59:59.999Z']);
    expect(previousRange({ period: '30d' }, NOW)).toEqual(['2025-01-05', '2025-02-03']);
    expect(previousRange({ period: 'custom', from: '2025-02-01', to: '2025-02-03' }, NOW)).toEqual(['2025-01-29', '2025-01-31']);
  });

  it('names the ranges v2 resolves as /api/stats does, and gives the others their ends', () => {
    const range = (view: ViewState) => dateRange(view, NOW);
    expect(range({ period: 'today' })).toBe('day');
    expect(range({ period: '7d' })).toBe('7d');
    expect(range({ period: '30d' })).toBe('30d');
    // The 24 hours that end with the current hour; the server reads a date-time as the last instant included.
    expect(range({ period: '24h' })).toEqual(['2025-03-04T15:00:00.000Z', '2025-03-05T14:59:59.999Z']);
    // 365 days ending today, not v2's `12mo` (which starts on the first of a month).
    expect(range({ period: '12mo' })).toEqual(['2024-03-06', '2025-03-05']);
    expect(range({ period: 'custom', from: '2025-02-01', to: '2025-02-03' })).toEqual(['2025-02-01', '2025-02-03']);
    // The calendar periods (a link may name them: #period=last_month) go as their days.
    expect(range({ period: 'last_month' })).toEqual(['2025-02-01', '2025-02-28']);
    expect(range({ period: 'month' })).toEqual(['2025-03-01', '2025-03-05']);
    expect(range({ period: 'year' })).toEqual(['2025-01-01', '2025-03-05']);
    expect(range({ period: '28d' })).toEqual(['2025-02-06', '2025-03-05']);
  });

  it('charts hours for two days or less, days beyond', () => {
    expect(chartInterval({ period: 'today' }, NOW)).toBe('hour');
    expect(chartInterval({ period: '24h' }, NOW)).toBe('hour');
    expect(chartInterval({ period: 'custom', from: '2025-02-01', to: '2025-02-02' }, NOW)).toBe('hour');
    expect(chartInterval({ period: 'custom', from: '2025-02-01', to: '2025-02-03' }, NOW)).toBe('day');
    expect(chartInterval({ period: '7d' }, NOW)).toBe('day');
    expect(pageQueries(SITE, { period: 'today', filters: CHIPS }, NOW).timeseries.dimensions).toEqual(['time:hour']);
  });

  it('asks for the last five minutes, as ISO date-times, for the realtime panel', () => {
    expect(realtimeQuery(SITE, CHIPS, NOW)).toEqual({
      site_id: SITE,
      date_range: ['2025-03-05T14:25:00.000Z', '2025-03-05T14:30:00.000Z'],
      metrics: ['visitors', 'pageviews'],
      filters: V2_FILTERS,
    });
  });
});

describe('the v2 answers as the panels read them', () => {
  it('turns percentages into fractions and takes page views out of events', () => {
    expect(totalsOf(answer([{ dimensions: [], metrics: [40, 50, 120, 38, 95, 135] }]))).toEqual({
      visitors: 40,
      sessions: 50,
      pageviews: 120,
      bounce_rate: 0.38,
      avg_duration_s: 95,
      events: 15,
    });
    expect(totalsOf(answer([]))).toEqual({ visitors: 0, sessions: 0, pageviews: 0, bounce_rate: 0, avg_duration_s: 0, events: 0 });
  });

  it('fills the buckets v2 leaves out with zeros', () => {
    const hours = timeseriesOf(
      answer([{ dimensions: ['2025-03-05 01:00:00'], metrics: [2, 5] }]),
      'hour',
      Date.UTC(2025, 2, 5),
      Date.UTC(2025, 2, 5, 3),
    );
    expect(hours.map((p) => [p.t, p.visitors, p.pageviews])).toEqual([
      ['2025-03-05T00:00:00.000Z', 0, 0],
      ['2025-03-05T01:00:00.000Z', 2, 5],
      ['2025-03-05T02:00:00.000Z', 0, 0],
    ]);
    // v2 asks no visits or events per bucket: unknown, not zero.
    expect(hours[1]!.sessions).toBeNaN();
    const days = timeseriesOf(answer([{ dimensions: ['2025-03-02'], metrics: [7, 9] }]), 'day', Date.UTC(2025, 2, 1), Date.UTC(2025, 2, 3));
    expect(days.map((p) => p.pageviews)).toEqual([0, 9]);
  });

  it('lists rows as the rollups would: no empty campaign, custom events only', () => {
    const empty = answer([]);
    const rows = Object.fromEntries(
      ['pages', 'entry_pages', 'exit_pages', 'referrers', 'utm_source', 'utm_medium', 'utm_campaign', 'browsers', 'os', 'devices', 'countries', 'events'].map((name) => [name, empty]),
    ) as Parameters<typeof breakdownsOf>[0];
    rows.pages = answer([{ dimensions: ['/pricing'], metrics: [3, 4] }]);
    rows.utm_source = answer([{ dimensions: [''], metrics: [9, 9] }, { dimensions: ['news'], metrics: [1, 2] }]);
    rows.events = answer([
      { dimensions: ['page_view'], metrics: [120] },
      { dimensions: ['signup'], metrics: [6] },
      { dimensions: ['engagement'], metrics: [0] },
    ]);
    const breakdowns = breakdownsOf(rows);
    expect(breakdowns.pages).toEqual([{ value: '/pricing', visitors: 3, pageviews: 4 }]);
    expect(breakdowns.utm_source).toEqual([{ value: 'news', visitors: 1, pageviews: 2 }]);
    expect(breakdowns.events).toEqual([{ value: 'signup', count: 6, props: [] }]);
  });

  it('takes the window the server resolved, and the previous period from its own answer', () => {
    const empty = answer([]);
    const breakdowns = Object.fromEntries(
      ['pages', 'entry_pages', 'exit_pages', 'referrers', 'utm_source', 'utm_medium', 'utm_campaign', 'browsers', 'os', 'devices', 'countries', 'events'].map((name) => [name, empty]),
    ) as Parameters<typeof breakdownsOf>[0];
    const totals = answer([{ dimensions: [], metrics: [1, 1, 1, 0, 0, 1] }], { query: { date_range: ['2025-02-27T00:00:00.000Z', '2025-03-05T23:59:59.999Z'] } });
    const previous = answer([{ dimensions: [], metrics: [4, 5, 9, 40, 30, 11] }]);
    const stats = pageStatsOf(SITE, { site: SITE, period: '7d', filters: CHIPS }, 'day', { totals, previous, timeseries: empty, breakdowns }, NOW);
    expect([stats.from, stats.to, stats.period, stats.interval]).toEqual(['2025-02-27T00:00:00.000Z', '2025-03-06T00:00:00.000Z', '7d', 'day']);
    expect(stats.timeseries).toHaveLength(7);
    expect(stats.previous).toEqual({ visitors: 4, sessions: 5, pageviews: 9, bounce_rate: 0.4, avg_duration_s: 30, events: 2 });
    expect(stats.meta.filtered.previous).toBe(true);
    expect(stats.meta.intervals).toEqual(['day']);
    expect(stats.meta.filling_bucket).toBe('2025-03-05T00:00:00.000Z');
    expect(stats.meta.approximations.map((a) => a.field)).toEqual(['totals.visitors', 'previous.visitors']);
    expect(stats.served!.totals.engine).toBe('archive');
    expect(stats.pending?.size).toBe(0);
  });

  it('asks only for the breakdowns on screen, and for another when its tab opens', async () => {
    const asked: QueryBody[] = [];
    const query = async (body: QueryBody) => {
      asked.push(body);
      const dimension = body.dimensions?.[0];
      return answer(dimension === 'visit:os' ? [{ dimensions: ['Linux'], metrics: [3, 6] }] : dimension === 'event:page' ? [{ dimensions: ['/'], metrics: [2, 2] }] : [{ dimensions: [], metrics: [1, 1, 1, 0, 0, 1] }]);
    };
    const view: ViewState = { site: SITE, period: '7d', filters: CHIPS };
    const stats = await archiveStats(query, SITE, view, NOW, ['pages', 'events', 'pages']);
    // Totals, the previous period, the chart, and the two breakdowns (once each).
    expect(asked).toHaveLength(5);
    expect(asked.map((b) => b.dimensions?.[0]).filter(Boolean).sort()).toEqual(['event:name', 'event:page', 'time:day']);
    expect(stats.breakdowns.pages).toEqual([{ value: '/', visitors: 2, pageviews: 2 }]);
    expect(stats.pending?.has('os')).toBe(true);
    expect(stats.breakdowns.os).toEqual([]);
    const more = await withBreakdowns(query, stats, SITE, view, NOW, ['os', 'pages']);
    // Only the one not answered yet.
    expect(asked).toHaveLength(6);
    expect(asked[5]!.dimensions).toEqual(['visit:os']);
    expect(more.breakdowns.os).toEqual([{ value: 'Linux', visitors: 3, pageviews: 6 }]);
    expect(more.breakdowns.pages).toEqual(stats.breakdowns.pages);
    expect(more.pending?.has('os')).toBe(false);
    expect(more.served!.breakdowns.os!.engine).toBe('archive');
  });
});
