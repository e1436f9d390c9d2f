/**
 * POST /api/v2/query: Plausible's Stats API v2, answered from the rollups when they hold
 * the answer (no filter, no dimension but the day, whole UTC days) and from the event
 * archive otherwise. `meta.engine` says which. Rates are percentages, as in Plausible's
 * API (GET /api/stats keeps its 0..1).
 */
import { bucketStarts, dayLabel, DAY_MS, HOUR_MS, iso } from '../lib/time.js';
import { queryEngine, type Row } from '../query/engine.js';
import type { Metric, QueryPlan } from '../query/request.js';
import { buildQuery, daysOf } from '../query/sql.js';
import { getStats } from './stats.js';

export interface QueryResult {
  results: { dimensions: (string | null)[]; metrics: number[] }[];
  meta: Record<string, unknown>;
  query: Record<string, unknown>;
}

/** What one group's aggregates are (from either engine), before they become metrics. */
interface Aggregates {
  visitors: number;
  visits: number;
  pageviews: number;
  events: number;
  bounces: number;
  /** ms, summed over visits. */
  duration: number;
  visitPageviews: number;
}

const ROLLUP_METRICS: readonly Metric[] = ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration', 'views_per_visit'];
/** The day buckets' time series keeps these per day. */
const DAILY_METRICS: readonly Metric[] = ['visitors', 'visits', 'pageviews', 'events'];

/** Whether the rollups hold this answer exactly: no filter, at most the day as dimension, whole days, no paging. */
export function rollupsAnswer(plan: QueryPlan): boolean {
  const daily = plan.dimensions.length === 1 && plan.dimensions[0] === 'time:day';
  return (
    !plan.filters.length &&
    (!plan.dimensions.length || daily) &&
    plan.metrics.every((m) => (daily ? DAILY_METRICS : ROLLUP_METRICS).includes(m)) &&
    plan.from % DAY_MS === 0 &&
    plan.to % DAY_MS === 0 &&
    plan.offset === 0 &&
    !plan.orderBy.length
  );
}

export async function runQuery(plan: QueryPlan, now: number, options: { engine?: 'rollups' | 'archive' } = {}): Promise<QueryResult> {
  const useRollups = options.engine ? options.engine === 'rollups' : rollupsAnswer(plan);
  const groups = useRollups ? await fromRollups(plan, now) : await fromArchive(plan);
  const totalVisitors = groups.totalVisitors;
  const results = groups.rows.map(({ dimensions, aggregates }) => ({
    dimensions,
    metrics: plan.metrics.map((m) => metric(m, aggregates, totalVisitors)),
  }));
  const meta: Record<string, unknown> = { engine: useRollups ? 'rollups' : 'archive', generated_at: iso(now) };
  if (plan.include.totalRows) meta.total_rows = groups.totalRows;
  if (plan.include.timeLabels) {
    const unit = plan.dimensions.find((d) => d.startsWith('time:'));
    if (unit) meta.time_labels = timeLabels(unit.slice(5) as 'hour' | 'day' | 'week' | 'month', plan.from, plan.to);
  }
  return { results, meta, query: plan.echo };
}

/** Every bucket of the window, labelled as the time dimensions label them (dialect.ts FORMAT). */
export function timeLabels(unit: 'hour' | 'day' | 'week' | 'month', from: number, to: number): string[] {
  const labels: string[] = [];
  const start = new Date(from);
  if (unit === 'hour') {
    for (const t of bucketStarts(from, to, HOUR_MS)) labels.push(`${iso(t).slice(0, 13).replace('T', ' ')}:00:00`);
  } else if (unit === 'day') {
    labels.push(...daysOf(from, to));
  } else if (unit === 'week') {
    // Weeks start on Monday, as date_trunc('week') does.
    const day = Math.floor(from / DAY_MS) * DAY_MS;
    const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
    for (let t = monday; t < to; t += 7 * DAY_MS) labels.push(dayLabel(t));
  } else {
    for (let m = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1); m < to; m = Date.UTC(new Date(m).getUTCFullYear(), new Date(m).getUTCMonth() + 1, 1)) labels.push(dayLabel(m));
  }
  return labels;
}

function metric(name: Metric, a: Aggregates, totalVisitors: number): number {
  const per = (value: number) => (a.visits ? value / a.visits : 0);
  switch (name) {
    case 'visitors':
      return a.visitors;
    case 'visits':
      return a.visits;
    case 'pageviews':
      return a.pageviews;
    case 'events':
      return a.events;
    case 'bounce_rate':
      return Math.round(per(a.bounces) * 100);
    case 'visit_duration':
      return Math.round(per(a.duration) / 1000);
    case 'views_per_visit':
      return Math.round(per(a.visitPageviews) * 100) / 100;
    case 'percentage':
      return totalVisitors ? Math.round((a.visitors / totalVisitors) * 1000) / 10 : 0;
  }
}

interface Groups {
  rows: { dimensions: (string | null)[]; aggregates: Aggregates }[];
  totalRows: number;
  totalVisitors: number;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

async function fromArchive(plan: QueryPlan): Promise<Groups> {
  const engine = await queryEngine();
  await engine.prepare?.(plan.siteId, plan.from, plan.to);
  const built = buildQuery(plan, engine.dialect);
  const rows: Row[] = await engine.run(built);
  let rowsOut = rows;
  // Without dimensions there is one group; an empty window still answers it, with zeros.
  if (!built.dimensions && !rows.length) rowsOut = [{}];
  return {
    rows: rowsOut.map((row) => ({
      dimensions: Array.from({ length: built.dimensions }, (_, i) => (row[`d${i}`] === null || row[`d${i}`] === undefined ? null : String(row[`d${i}`]))),
      aggregates: {
        visitors: num(row.visitors),
        visits: num(row.visits),
        pageviews: num(row.pageviews),
        events: num(row.events),
        bounces: num(row.bounces),
        duration: num(row.duration),
        visitPageviews: num(row.visit_pageviews),
      },
    })),
    totalRows: rows.length ? num(rows[0]!.total_rows) : 0,
    totalVisitors: rows.length ? num(rows[0]!.total_visitors) : 0,
  };
}

async function fromRollups(plan: QueryPlan, now: number): Promise<Groups> {
  const stats = await getStats({ siteId: plan.siteId, period: null, from: plan.from, to: plan.to, filter: null, interval: 'day', includeHealth: false, compare: { mode: 'previous_period' } }, now);
  const aggregatesOf = (c: { pageviews: number; visitors: number; sessions: number; events: number; bounce_rate?: number; avg_duration_s?: number }): Aggregates => ({
    visitors: c.visitors,
    visits: c.sessions,
    pageviews: c.pageviews,
    events: c.events + c.pageviews,
    bounces: Math.round((c.bounce_rate ?? 0) * c.sessions),
    duration: (c.avg_duration_s ?? 0) * 1000 * c.sessions,
    visitPageviews: c.pageviews,
  });
  if (!plan.dimensions.length) {
    return { rows: [{ dimensions: [], aggregates: aggregatesOf(stats.totals) }], totalRows: 1, totalVisitors: stats.totals.visitors };
  }
  const rows = stats.timeseries
    .filter((p) => p.pageviews || p.visitors || p.sessions || p.events)
    .slice(0, plan.limit)
    .map((p) => ({
      dimensions: [p.t.slice(0, 10)],
      aggregates: { visitors: p.visitors, visits: p.sessions, pageviews: p.pageviews, events: p.events + p.pageviews, bounces: 0, duration: 0, visitPageviews: p.pageviews },
    }));
  return { rows, totalRows: rows.length, totalVisitors: stats.totals.visitors };
}
