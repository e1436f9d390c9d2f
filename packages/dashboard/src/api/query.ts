/**
 * The requests the dashboard sends to POST /api/v2/query (Plausible's Stats API v2 shape,
 * docs/archive.md) when GET /api/stats cannot answer its chips: one for the totals, one
 * for the previous period's, one for the chart, one per breakdown tab on screen, and one
 * for the realtime panel. Only the bodies are
 * built here; the client sends them and query-results.ts reads the answers.
 */

import { BREAKDOWNS, defaultInterval, periodWindow, type Breakdowns, type Interval } from '@liveinsight/contract';
import { DEFAULT_PERIOD, DIMENSION_OF, propKey, type Filter, type NamedDimension, type ViewState } from '../state/view-state.js';

export type QueryFilter = [op: Filter['op'], dimension: string, values: [string]];

export interface QueryBody {
  site_id: string;
  /** A named range the server resolves, or both ends as ISO dates (days included) or date-times. */
  date_range: string | [string, string];
  metrics: string[];
  dimensions?: string[];
  filters?: QueryFilter[];
  pagination?: { limit: number };
}

export interface QueryMeta {
  /** `rollups` or `archive`: which store answered. */
  engine: string;
  generated_at: string;
}

export interface QueryAnswer {
  results: { dimensions: (string | null)[]; metrics: number[] }[];
  meta: QueryMeta;
  /** The request as the server understood it; `date_range` resolved to [from, last ms] as ISO date-times. */
  query?: { date_range?: unknown };
}

/** The v2 name of a dimension a chip or a breakdown names: the page and the event name are the event's, the rest the visit's (its first event's). */
export function queryDimension(dimension: NamedDimension): string {
  return dimension === 'page' ? 'event:page' : dimension === 'event' ? 'event:name' : `visit:${dimension}`;
}

/** As many rows as a breakdown of GET /api/stats holds. */
export const BREAKDOWN_LIMIT = 100;
/** The realtime panel's window, as GET /api/realtime's default. */
export const REALTIME_MINUTES = 5;

/** Totals as GET /api/stats counts them; `events` comes back with page views in it (query-results.ts takes them out). */
export const TOTAL_METRICS = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'events'];

export function queryFilters(filters: readonly Filter[]): QueryFilter[] {
  return filters.map((f) => [f.op, propKey(f.dimension) === undefined ? queryDimension(f.dimension as NamedDimension) : f.dimension, [f.value]]);
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The window GET /api/stats would show for the view, [from, to) in UTC ms: the contract's
 * periodWindow, which the collector resolves its periods with too.
 */
export function viewWindow(view: ViewState, now: number): { from: number; to: number } {
  if (view.period === 'custom' && view.from && view.to) {
    return { from: Date.parse(`${view.from}T00:00:00Z`), to: Date.parse(`${view.to}T00:00:00Z`) + DAY_MS };
  }
  return periodWindow(view.period === 'custom' ? DEFAULT_PERIOD : view.period, now);
}

/**
 * The view's window as a v2 date range. The named ranges that end today and cover the
 * same days as GET /api/stats are sent by name (the server's clock decides "today"); v2's
 * `24h` ends now rather than with the hour and its `12mo` starts on a month's first day, so
 * those go as their ends, like a custom range.
 */
export function dateRange(view: ViewState, now: number): QueryBody['date_range'] {
  if (view.period === 'custom' && view.from && view.to) return [view.from, view.to];
  const period = view.period === 'custom' ? DEFAULT_PERIOD : view.period;
  if (period === 'today') return 'day';
  if (period === '7d' || period === '30d') return period;
  const { from, to } = viewWindow(view, now);
  return explicitRange(from, to, period === '24h');
}

/**
 * [from, to) as v2's ends: the days it covers, or date-times for a window of hours. The
 * server reads a date-time as the last instant included: one ms before `to`.
 */
function explicitRange(from: number, to: number, hours: boolean): [string, string] {
  return hours ? [new Date(from).toISOString(), new Date(to - 1).toISOString()] : [isoDay(from), isoDay(to - 1)];
}

/** Hours for a window of two days or less, as GET /api/stats defaults to; days beyond. */
export function chartInterval(view: ViewState, now: number): Interval {
  const { from, to } = viewWindow(view, now);
  return defaultInterval(to - from);
}

export interface PageQueries {
  totals: QueryBody;
  /** The same span just before the window, as GET /api/stats compares with. */
  previous: QueryBody;
  timeseries: QueryBody;
  breakdowns: Record<keyof Breakdowns, QueryBody>;
}

/** The span just before the view's window, as v2 dates (whole UTC days) or date-times (24h). */
export function previousRange(view: ViewState, now: number): [string, string] {
  const { from, to } = viewWindow(view, now);
  return explicitRange(from - (to - from), from, view.period === '24h');
}

/** Everything the page shows for a view whose chips GET /api/stats cannot take. */
export function pageQueries(site: string, view: ViewState, now: number): PageQueries {
  const base = { site_id: site, date_range: dateRange(view, now) };
  const filters = queryFilters(view.filters ?? []);
  const breakdowns = {} as Record<keyof Breakdowns, QueryBody>;
  for (const name of BREAKDOWNS) {
    breakdowns[name] = {
      ...base,
      metrics: name === 'events' ? ['events'] : ['visitors', 'pageviews'],
      dimensions: [queryDimension(DIMENSION_OF[name])],
      filters,
      pagination: { limit: BREAKDOWN_LIMIT },
    };
  }
  return {
    totals: { ...base, metrics: TOTAL_METRICS, filters },
    previous: { ...base, date_range: previousRange(view, now), metrics: TOTAL_METRICS, filters },
    timeseries: { ...base, metrics: ['visitors', 'pageviews'], dimensions: [`time:${chartInterval(view, now)}`], filters },
    breakdowns,
  };
}

/** Visitors and page views of the last five minutes that match the chips. */
export function realtimeQuery(site: string, filters: readonly Filter[], now: number): QueryBody {
  return {
    site_id: site,
    date_range: [new Date(now - REALTIME_MINUTES * 60_000).toISOString(), new Date(now).toISOString()],
    metrics: ['visitors', 'pageviews'],
    filters: queryFilters(filters),
  };
}
