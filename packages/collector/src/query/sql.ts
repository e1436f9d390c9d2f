/**
 * The one SQL builder for both engines (dialect.ts says what differs): a query plan
 * (request.ts) becomes one statement over one site's archived events in the window.
 *
 *   ev       the site's events in [from, to), one row per event id (the dialect's source
 *            prunes partitions and drops the copies a redelivered batch leaves)
 *   sessions per session: its first source, utm, device…, its page views, custom events and
 *            duration (a bounce: one page view at most and no custom event, as Plausible and the rollups count it)
 *   entries  per session: entry and exit page
 *   matched  events joined to their session, filtered
 *   per      per group and session: visitor, page views, events, the session's numbers
 *   final    per group: the metrics, ordered and paged
 *
 * Values only ever reach the SQL as bound parameters; dimension names map to columns
 * through the table below, and a property key is a parameter too. The two integers that
 * are inlined (limit, offset) are checked integers.
 */
import { DIRECT, UNKNOWN } from '@liveinsight/contract';
import { ARCHIVE_COLUMNS } from '../archive/record.js';
import { bucketStarts, DAY_MS, dayLabel } from '../lib/time.js';
import type { Dialect } from './dialect.js';
import { PROPS_PREFIX, type Dimension, type Filter, type Metric, type QueryPlan } from './request.js';

export interface BuiltQuery {
  sql: string;
  params: (string | number)[];
  /** The result columns: `d0…` for dimensions, then the aggregates metrics are made of. */
  dimensions: number;
}

/** The session-level columns `matched` carries, by dimension. */
const COLUMN: Readonly<Record<string, string>> = {
  'event:page': 'path',
  'event:name': 'name',
  'event:hostname': 'hostname',
  'visit:entry_page': 's_entry_page',
  'visit:exit_page': 's_exit_page',
  'visit:source': 's_source',
  'visit:referrer': 's_referrer',
  'visit:utm_source': 's_utm_source',
  'visit:utm_medium': 's_utm_medium',
  'visit:utm_campaign': 's_utm_campaign',
  'visit:device': 's_device',
  'visit:browser': 's_browser',
  'visit:os': 's_os',
  'visit:country': 's_country',
};

/** What ORDER BY sorts a metric by: the aggregate it is computed from. */
const ORDER_EXPRESSION: Readonly<Record<Metric, string>> = {
  visitors: 'visitors',
  visits: 'visits',
  pageviews: 'pageviews',
  events: 'events',
  percentage: 'visitors',
  bounce_rate: 'CAST(bounces AS DOUBLE) / visits',
  visit_duration: 'CAST(duration AS DOUBLE) / visits',
  views_per_visit: 'CAST(visit_pageviews AS DOUBLE) / visits',
};

/** The UTC days a window touches, as partitions name them. */
export const daysOf = (from: number, to: number): string[] => bucketStarts(from, to, DAY_MS).map(dayLabel);

/** Collects the values of a statement's placeholders, in the order they appear in its text. */
function binder(dialect: Dialect) {
  const params: (string | number)[] = [];
  const bind = (value: string | number, type: 'varchar' | 'bigint' = typeof value === 'number' ? 'bigint' : 'varchar') => {
    params.push(value);
    return dialect.param(type);
  };
  return { params, bind };
}

/** A site's events of [from, to), one row per event id: the relation every query starts from. */
function eventsOf(site: string, from: number, to: number, dialect: Dialect, bind: (value: string | number) => string): string {
  const source = dialect.source(site, daysOf(from, to), (v) => bind(v));
  return `SELECT * FROM ${source} AS a WHERE id IS NOT NULL AND site = ${bind(site)} AND time >= ${bind(from)} AND time < ${bind(to)}`;
}

/** A window's archived events in the archive's columns, oldest first (GET /api/export). */
export function buildEventsQuery(site: string, from: number, to: number, dialect: Dialect): BuiltQuery {
  const { params, bind } = binder(dialect);
  const sql = `SELECT ${ARCHIVE_COLUMNS.map((c) => c.name).join(', ')} FROM (${eventsOf(site, from, to, dialect, bind)}) AS e ORDER BY time, id`;
  return { sql, params, dimensions: 0 };
}

export function buildQuery(plan: QueryPlan, dialect: Dialect): BuiltQuery {
  const { params, bind } = binder(dialect);
  // In the order they appear in the text: every bind() pushes its value where its `?` is.
  const ev = `ev AS (${eventsOf(plan.siteId, plan.from, plan.to, dialect, bind)})`;
  const first = (column: string) => `min_by(${column}, time) AS ${column}`;
  const sessions =
    `sessions AS (SELECT session_id, ${['referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'device', 'browser', 'os', 'country'].map(first).join(', ')}, ` +
    `max(time) - min(time) AS duration, sum(CASE WHEN kind = 'pageview' THEN 1 ELSE 0 END) AS pageviews, ` +
    `sum(CASE WHEN kind = 'custom' THEN 1 ELSE 0 END) AS customs FROM ev GROUP BY session_id)`;
  const entries = `entries AS (SELECT session_id, min_by(path, time) AS entry_page, max_by(path, time) AS exit_page FROM ev WHERE kind = 'pageview' GROUP BY session_id)`;
  const direct = bind(DIRECT);
  const directAgain = bind(DIRECT);
  const unknown = bind(UNKNOWN);
  const unknownAgain = bind(UNKNOWN);
  const joined =
    `SELECT ev.*, CASE WHEN s.utm_source <> '' THEN s.utm_source WHEN s.referrer <> '' THEN s.referrer ELSE ${direct} END AS s_source, ` +
    `CASE WHEN s.referrer <> '' THEN s.referrer ELSE ${directAgain} END AS s_referrer, ` +
    `s.utm_source AS s_utm_source, s.utm_medium AS s_utm_medium, s.utm_campaign AS s_utm_campaign, s.device AS s_device, s.browser AS s_browser, s.os AS s_os, s.country AS s_country, ` +
    `coalesce(en.entry_page, ${unknown}) AS s_entry_page, coalesce(en.exit_page, ${unknownAgain}) AS s_exit_page, s.pageviews AS s_pageviews, s.customs AS s_customs, s.duration AS s_duration ` +
    `FROM ev JOIN sessions AS s ON s.session_id = ev.session_id LEFT JOIN entries AS en ON en.session_id = ev.session_id`;
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => filterSql(f, dialect, bind)).join(' AND ')}` : '';
  const matched = `matched AS (SELECT * FROM (${joined}) AS j${where})`;

  // Each dimension's expression appears once (a property key is a parameter), as d0, d1…
  const dims = plan.dimensions.map((d) => dimensionSql(d, dialect, bind));
  const dimSelect = dims.map((expr, i) => `${expr} AS d${i}`).join(', ');
  const dimGroup = dims.map((_, i) => `d${i}`);
  const per =
    `per AS (SELECT ${dimGroup.length ? `${dimGroup.join(', ')}, ` : ''}session_id, min(visitor) AS visitor, sum(CASE WHEN kind <> 'engagement' THEN 1 ELSE 0 END) AS events, ` +
    `sum(CASE WHEN kind = 'pageview' THEN 1 ELSE 0 END) AS pageviews, max(s_pageviews) AS s_pageviews, max(s_customs) AS s_customs, max(s_duration) AS s_duration ` +
    `FROM (SELECT matched.*${dimSelect ? `, ${dimSelect}` : ''} FROM matched) AS m GROUP BY ${[...dimGroup, 'session_id'].join(', ')})`;
  const groupBy = dimGroup.length ? ` GROUP BY ${dimGroup.join(', ')}` : '';
  const aggregates =
    `SELECT ${dimGroup.length ? `${dimGroup.join(', ')}, ` : ''}count(DISTINCT visitor) AS visitors, count(*) AS visits, sum(pageviews) AS pageviews, sum(events) AS events, ` +
    `sum(CASE WHEN s_pageviews <= 1 AND s_customs = 0 THEN 1 ELSE 0 END) AS bounces, sum(s_duration) AS duration, sum(s_pageviews) AS visit_pageviews FROM per${groupBy}`;

  const order: string[] = plan.orderBy.map(([name, direction]) => {
    const index = (plan.dimensions as string[]).indexOf(name);
    return `${index >= 0 ? `d${index}` : ORDER_EXPRESSION[name as Metric]} ${direction.toUpperCase()}`;
  });
  if (!order.length) {
    const time = plan.dimensions.findIndex((d) => d.startsWith('time:'));
    if (time >= 0) order.push(`d${time} ASC`);
    order.push(`${ORDER_EXPRESSION[plan.metrics[0]!]} DESC`);
  }
  order.push(...dimGroup.map((d) => `${d} ASC`));
  const sql =
    `WITH ${[ev, sessions, entries, matched, per].join(',\n')}\n` +
    `SELECT g.*, t.total_visitors, count(*) OVER () AS total_rows FROM (${aggregates}) AS g CROSS JOIN (SELECT count(DISTINCT visitor) AS total_visitors FROM per) AS t\n` +
    `ORDER BY ${order.join(', ')}\nOFFSET ${Math.trunc(plan.offset)} LIMIT ${Math.trunc(plan.limit)}`;
  return { sql, params, dimensions: dims.length };
}

function dimensionSql(dimension: Dimension, dialect: Dialect, bind: (value: string) => string): string {
  if (dimension.startsWith('time:')) return dialect.timeBucket(dimension.slice(5) as 'hour' | 'day' | 'week' | 'month');
  if (dimension.startsWith(PROPS_PREFIX)) return `coalesce(${dialect.prop(bind(dimension.slice(PROPS_PREFIX.length)))}, ${bind('(none)')})`;
  const column = COLUMN[dimension];
  if (!column) throw new Error(`no column for ${dimension}`);
  return column;
}

function filterSql(filter: Filter, dialect: Dialect, bind: (value: string) => string): string {
  if ('filters' in filter) return `(${filter.filters.map((f) => filterSql(f, dialect, bind)).join(` ${filter.op.toUpperCase()} `)})`;
  if ('filter' in filter) return `(NOT ${filterSql(filter.filter, dialect, bind)})`;
  const { dimension } = filter;
  // The column is written once per value, and bound (a property key) just before the value.
  const any = (test: (value: string, placeholder: string) => string) =>
    `(${filter.values
      .map((v) => {
        const value = `coalesce(${dimensionSql(dimension, dialect, bind)}, '')`;
        return test(value, bind(v));
      })
      .join(' OR ')})`;
  switch (filter.op) {
    case 'is':
      return any((value, p) => `${value} = ${p}`);
    case 'is_not':
      return `(NOT ${any((value, p) => `${value} = ${p}`)})`;
    case 'contains':
      return any((value, p) => `strpos(lower(${value}), lower(${p})) > 0`);
    case 'contains_not':
      return `(NOT ${any((value, p) => `strpos(lower(${value}), lower(${p})) > 0`)})`;
    case 'matches':
      return any((value, p) => dialect.regexMatch(value, p));
    case 'matches_not':
      return `(NOT ${any((value, p) => dialect.regexMatch(value, p))})`;
  }
}
