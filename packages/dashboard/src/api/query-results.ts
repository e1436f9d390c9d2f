/**
 * POST /api/v2/query's answers (query.ts builds the requests) turned into the shape the
 * panels already draw, GET /api/stats' StatsData, so that no panel needs to know which
 * endpoint answered. What v2 does not give is said so rather than made up: there is no
 * previous period (its numbers are NaN, shown as a dash) and no per-bucket visits or
 * events (NaN, empty in the CSV).
 */

import { BREAKDOWNS, VALUE_BREAKDOWNS, type Breakdowns, type Interval, type StatsData, type TimeseriesPoint, type Totals } from '@liveinsight/contract';
import type { Filter, ViewState } from '../state/view-state.js';
import { chartInterval, pageQueries, realtimeQuery, REALTIME_MINUTES, TOTAL_METRICS, viewWindow, type QueryAnswer, type QueryBody, type QueryMeta } from './query.js';

/** A stats answer as the page shows it. */
export interface PageStats extends StatsData {
  /** Set when POST /api/v2/query answered: which store answered each section, and when. */
  served?: { totals: QueryMeta; timeseries: QueryMeta; breakdowns: Record<keyof Breakdowns, QueryMeta> };
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
const NONE: Totals = { pageviews: NaN, visitors: NaN, sessions: NaN, bounce_rate: NaN, avg_duration_s: NaN, events: NaN };

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

export function breakdownsOf(answers: Record<keyof Breakdowns, QueryAnswer>): Breakdowns {
  const result = {} as Record<string, unknown>;
  for (const name of VALUE_BREAKDOWNS) {
    result[name] = answers[name].results
      .map((row) => ({ value: row.dimensions[0] ?? '', ...metrics(row, ['visitors', 'pageviews']) }))
      // Visits without a campaign are no row of the rollups' UTM tables either.
      .filter((row) => row.value !== '' || !name.startsWith('utm_'));
  }
  result.events = answers.events.results
    .map((row) => ({ value: row.dimensions[0] ?? '', count: metrics(row, ['events']).events!, props: [] }))
    // event:name lists page views (and engagement, at 0 events) too: the table is of custom events.
    .filter((row) => row.value !== 'page_view' && row.count > 0);
  return result as unknown as Breakdowns;
}

/** The answers for a view, as one stats answer (without `health`: the controller adds the site's, which no chip narrows). */
export function pageStatsOf(
  site: string,
  view: ViewState,
  interval: Interval,
  answers: { totals: QueryAnswer; timeseries: QueryAnswer; breakdowns: Record<keyof Breakdowns, QueryAnswer> },
  now: number,
): PageStats {
  const { from, to } = answeredWindow(answers.totals, view, now);
  const generated = answers.totals.meta.generated_at;
  const at = Date.parse(generated);
  const step = interval === 'hour' ? HOUR_MS : DAY_MS;
  const filling = at >= from && at < to ? new Date(Math.floor(at / step) * step).toISOString() : null;
  const days = Math.ceil((to - from) / DAY_MS);
  const served = { totals: answers.totals.meta, timeseries: answers.timeseries.meta, breakdowns: {} as Record<keyof Breakdowns, QueryMeta> };
  for (const name of BREAKDOWNS) served.breakdowns[name] = answers.breakdowns[name].meta;
  return {
    site_id: site,
    period: view.period === 'custom' ? null : view.period,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    filter: null,
    totals: totalsOf(answers.totals),
    previous: { ...NONE },
    timeseries: timeseriesOf(answers.timeseries, interval, from, to),
    breakdowns: breakdownsOf(answers.breakdowns),
    meta: {
      generated_at: generated,
      timezone: 'UTC',
      bucket: interval,
      exact: { totals: days <= 1, previous: false, timeseries: true, breakdowns: true },
      approximations:
        days > 1
          ? [{ field: 'totals.visitors', reason: 'Visitors are unique per UTC day: over several days, a visitor who returns on another day is counted again.' }]
          : [],
      current_bucket_filling: filling !== null,
      filling_bucket: filling,
      other_folded: false,
      late_values: [],
      intervals: [interval],
      filtered: { totals: true, previous: false, timeseries: true, breakdowns: true },
      items_read: 0,
      counted_until: null,
    },
    served,
  };
}

/** Asks every question of the page at once (they do not depend on each other) and joins the answers. */
export async function archiveStats(query: Query, site: string, view: ViewState, now: number): Promise<PageStats> {
  const queries = pageQueries(site, view, now);
  const [totals, timeseries, ...rows] = await Promise.all(
    [queries.totals, queries.timeseries, ...BREAKDOWNS.map((name) => queries.breakdowns[name])].map((body) => query(body)),
  );
  const breakdowns = Object.fromEntries(BREAKDOWNS.map((name, i) => [name, rows[i]!])) as Record<keyof Breakdowns, QueryAnswer>;
  return pageStatsOf(site, view, chartInterval(view, now), { totals: totals!, timeseries: timeseries!, breakdowns }, now);
}

export async function liveQuery(query: Query, site: string, filters: readonly Filter[], now: number): Promise<LiveQuery> {
  const answer = await query(realtimeQuery(site, filters, now));
  const m = metrics(answer.results[0], ['visitors', 'pageviews']);
  return { minutes: REALTIME_MINUTES, visitors: m.visitors!, pageviews: m.pageviews!, meta: answer.meta };
}
