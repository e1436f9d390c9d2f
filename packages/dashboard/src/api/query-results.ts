/**
 * POST /api/v2/query's answers (query.ts builds the requests) turned into the shape the
 * panels already draw, GET /api/stats' StatsData, so that no panel needs to know which
 * endpoint answered. Only the breakdown tabs on screen are asked for (`pending` names the
 * rest, asked when a tab is opened). What v2 does not give is said so rather than made up:
 * no per-bucket visits or events (NaN, empty in the CSV), no property rows under events.
 */

import { BREAKDOWNS, VALUE_BREAKDOWNS, type Breakdowns, type Interval, type StatsData, type TimeseriesPoint, type Totals } from '@liveinsight/contract';
import type { Filter, ViewState } from '../state/view-state.js';
import { chartInterval, pageQueries, realtimeQuery, REALTIME_MINUTES, TOTAL_METRICS, viewWindow, type QueryAnswer, type QueryBody, type QueryMeta } from './query.js';

/** A stats answer as the page shows it. */
export interface PageStats extends StatsData {
  /** Set when POST /api/v2/query answered: which store answered each section, and when. */
  served?: { totals: QueryMeta; timeseries: QueryMeta; breakdowns: Partial<Record<keyof Breakdowns, QueryMeta>> };
  /** Breakdowns not asked for yet (their tab is not on screen): empty until they are. */
  pending?: ReadonlySet<keyof Breakdowns>;
}

/** The realtime panel under chips: what the archive holds for the last minutes. */
export interface LiveQuery {
  minutes: number;
  visitors: number;
  pageviews: number;
  meta: QueryMeta;
}

export type Query = (body: QueryBody) => Promise<QueryAnswer>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A row's metrics by name, in the order the request listed them; 0 for a missing row. */
function metrics(row: QueryAnswer['results'][number] | undefined, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.map((name, i) => [name, Number(row?.metrics[i] ?? 0)]));
}

/** `2025-03-05` and `2025-03-05 14:00:00` (UTC), as time:day and time:hour label buckets. */
function bucketStart(label: string): number {
  return Date.parse(label.length === 10 ? `${label}T00:00:00Z` : `${label.replace(' ', 'T')}Z`);
}

/** The window the server resolved (`query.date_range`: from, last ms), else the one the view names. */
function answeredWindow(answer: QueryAnswer, view: ViewState, now: number): { from: number; to: number } {
  const range = answer.query?.date_range;
  if (Array.isArray(range) && range.length === 2) {
    const from = Date.parse(String(range[0]));
    const to = Date.parse(String(range[1])) + 1;
    if (from < to) return { from, to };
  }
  return viewWindow(view, now);
}

export function totalsOf(answer: QueryAnswer): Totals {
  const m = metrics(answer.results[0], TOTAL_METRICS);
  return {
    visitors: m.visitors!,
    sessions: m.visits!,
    pageviews: m.pageviews!,
    // v2 gives percentages and counts page views among events; /api/stats keeps 0..1 and custom events.
    bounce_rate: m.bounce_rate! / 100,
    avg_duration_s: m.visit_duration!,
    events: Math.max(0, m.events! - m.pageviews!),
  };
}

/** Every bucket of the window, those without a row at zero (v2 lists only buckets with events). */
export function timeseriesOf(answer: QueryAnswer, interval: Interval, from: number, to: number): TimeseriesPoint[] {
  const step = interval === 'hour' ? HOUR_MS : DAY_MS;
  const rows = new Map(answer.results.map((row) => [bucketStart(String(row.dimensions[0])), metrics(row, ['visitors', 'pageviews'])]));
  const points: TimeseriesPoint[] = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) {
    const row = rows.get(t);
    points.push({ t: new Date(t).toISOString(), visitors: row?.visitors ?? 0, pageviews: row?.pageviews ?? 0, sessions: NaN, events: NaN });
  }
  return points;
}

/** The breakdowns answered, each as GET /api/stats gives it; the others empty. */
export function breakdownsOf(answers: Partial<Record<keyof Breakdowns, QueryAnswer>>): Breakdowns {
  const result = {} as Record<string, unknown>;
  for (const name of VALUE_BREAKDOWNS) {
    result[name] = (answers[name]?.results ?? [])
      .map((row) => ({ value: row.dimensions[0] ?? '', ...metrics(row, ['visitors', 'pageviews']) }))
      // Visits without a campaign are no row of the rollups' UTM tables either.
      .filter((row) => row.value !== '' || !name.startsWith('utm_'));
  }
  result.events = (answers.events?.results ?? [])
    .map((row) => ({ value: row.dimensions[0] ?? '', count: metrics(row, ['events']).events!, props: [] }))
    // event:name lists page views (and engagement, at 0 events) too: the table is of custom events.
    .filter((row) => row.value !== 'page_view' && row.count > 0);
  return result as unknown as Breakdowns;
}

export interface PageAnswers {
  totals: QueryAnswer;
  previous: QueryAnswer;
  timeseries: QueryAnswer;
  breakdowns: Partial<Record<keyof Breakdowns, QueryAnswer>>;
}

/** The answers for a view, as one stats answer (without `health`: the controller adds the site's, which no chip narrows). */
export function pageStatsOf(site: string, view: ViewState, interval: Interval, answers: PageAnswers, now: number): PageStats {
  const { from, to } = answeredWindow(answers.totals, view, now);
  const generated = answers.totals.meta.generated_at;
  const at = Date.parse(generated);
  const step = interval === 'hour' ? HOUR_MS : DAY_MS;
  const filling = at >= from && at < to ? new Date(Math.floor(at / step) * step).toISOString() : null;
  const days = Math.ceil((to - from) / DAY_MS);
  const served = { totals: answers.totals.meta, timeseries: answers.timeseries.meta, breakdowns: {} as Partial<Record<keyof Breakdowns, QueryMeta>> };
  for (const name of BREAKDOWNS) if (answers.breakdowns[name]) served.breakdowns[name] = answers.breakdowns[name].meta;
  const several = 'Visitors are unique per UTC day: over several days, a visitor who returns on another day is counted again.';
  return {
    site_id: site,
    period: view.period === 'custom' ? null : view.period,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    filter: null,
    totals: totalsOf(answers.totals),
    previous: totalsOf(answers.previous),
    timeseries: timeseriesOf(answers.timeseries, interval, from, to),
    breakdowns: breakdownsOf(answers.breakdowns),
    meta: {
      compare: { mode: 'previous_period', from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString() },
      generated_at: generated,
      timezone: 'UTC',
      bucket: interval,
      exact: { totals: days <= 1, previous: days <= 1, timeseries: true, breakdowns: true },
      approximations: days > 1 ? [{ field: 'totals.visitors', reason: several }, { field: 'previous.visitors', reason: several }] : [],
      current_bucket_filling: filling !== null,
      filling_bucket: filling,
      other_folded: false,
      late_values: [],
      intervals: [interval],
      filtered: { totals: true, previous: true, timeseries: true, breakdowns: true },
      items_read: 0,
      counted_until: null,
    },
    served,
    pending: new Set(BREAKDOWNS.filter((name) => !answers.breakdowns[name])),
  };
}

/**
 * Asks the page's questions at once (they do not depend on each other): the totals, the
 * previous period's, the chart, and the breakdowns in `wanted` (the tabs on screen).
 */
export async function archiveStats(query: Query, site: string, view: ViewState, now: number, wanted: Iterable<keyof Breakdowns>): Promise<PageStats> {
  const queries = pageQueries(site, view, now);
  const names = [...new Set(wanted)];
  const [totals, previous, timeseries, ...rows] = await Promise.all(
    [queries.totals, queries.previous, queries.timeseries, ...names.map((name) => queries.breakdowns[name])].map((body) => query(body)),
  );
  const breakdowns = Object.fromEntries(names.map((name, i) => [name, rows[i]!]));
  return pageStatsOf(site, view, chartInterval(view, now), { totals: totals!, previous: previous!, timeseries: timeseries!, breakdowns }, now);
}

/** The same page with more of its breakdowns answered (a tab opened). */
export async function withBreakdowns(query: Query, stats: PageStats, site: string, view: ViewState, now: number, names: Iterable<keyof Breakdowns>): Promise<PageStats> {
  const queries = pageQueries(site, view, now);
  const asked = [...new Set(names)].filter((name) => stats.pending?.has(name));
  const answers = await Promise.all(asked.map((name) => query(queries.breakdowns[name])));
  const added = breakdownsOf(Object.fromEntries(asked.map((name, i) => [name, answers[i]!])));
  const breakdowns = { ...stats.breakdowns } as Record<keyof Breakdowns, unknown>;
  const served = { ...stats.served!, breakdowns: { ...stats.served!.breakdowns } };
  asked.forEach((name, i) => {
    breakdowns[name] = added[name];
    served.breakdowns[name] = answers[i]!.meta;
  });
  const pending = new Set(stats.pending);
  for (const name of asked) pending.delete(name);
  return { ...stats, breakdowns: breakdowns as Breakdowns, served, pending };
}

export async function liveQuery(query: Query, site: string, filters: readonly Filter[], now: number): Promise<LiveQuery> {
  const answer = await query(realtimeQuery(site, filters, now));
  const m = metrics(answer.results[0], ['visitors', 'pageviews']);
  return { minutes: REALTIME_MINUTES, visitors: m.visitors!, pageviews: m.pageviews!, meta: answer.meta };
}
