/**
 * POST /api/v2/query's request, in the shape of Plausible's Stats API v2: parsed and
 * checked here, once, into a plan the SQL builder and the rollups both read. Every
 * problem is a 400 naming the field.
 */
import { periodWindow, SITE_ID } from '@liveinsight/contract';
import { BadRequestError } from '../errors.js';
import { DAY_MS, floorTo } from '../lib/time.js';

export const METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events', 'percentage'] as const;
export type Metric = (typeof METRICS)[number];

/** The dimensions a query may group or filter by (props aside), each an allowlisted column. */
export const EVENT_DIMENSIONS = ['event:page', 'event:name', 'event:hostname'] as const;
export const VISIT_DIMENSIONS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:device',
  'visit:browser',
  'visit:os',
  'visit:country',
] as const;
export const TIME_DIMENSIONS = ['time:hour', 'time:day', 'time:week', 'time:month'] as const;
export const PROPS_PREFIX = 'event:props:';

export type Dimension =
  | (typeof EVENT_DIMENSIONS)[number]
  | (typeof VISIT_DIMENSIONS)[number]
  | (typeof TIME_DIMENSIONS)[number]
  | `event:props:${string}`;

export const OPERATORS = ['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Filter =
  | { op: Operator; dimension: Dimension; values: string[] }
  | { op: 'and' | 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter };

export const DATE_RANGES = ['day', '24h', '7d', '28d', '30d', '91d', 'month', '6mo', '12mo', 'year', 'all'] as const;

export const LIMITS = { dimensions: 10, limit: 10_000, regex: 256, values: 100, propKey: 64, depth: 8 } as const;

export interface QueryPlan {
  siteId: string;
  /** [from, to): UTC ms. */
  from: number;
  to: number;
  metrics: Metric[];
  dimensions: Dimension[];
  filters: Filter[];
  orderBy: [string, 'asc' | 'desc'][];
  limit: number;
  offset: number;
  include: { totalRows: boolean; timeLabels: boolean };
  /** The request as Plausible echoes it in `query`. */
  echo: Record<string, unknown>;
}

const fail = (message: string): never => {
  throw new BadRequestError(message);
};

const isDimension = (name: unknown): name is Dimension =>
  typeof name === 'string' &&
  ((EVENT_DIMENSIONS as readonly string[]).includes(name) ||
    (VISIT_DIMENSIONS as readonly string[]).includes(name) ||
    (TIME_DIMENSIONS as readonly string[]).includes(name) ||
    (name.startsWith(PROPS_PREFIX) && name.length > PROPS_PREFIX.length && name.length - PROPS_PREFIX.length <= LIMITS.propKey));

export function parseQuery(body: unknown, now: number): QueryPlan {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!['site_id', 'metrics', 'date_range', 'dimensions', 'filters', 'order_by', 'include', 'pagination'].includes(key)) fail(`unknown field: ${key}`);
  }
  if (b.site_id === undefined) fail('site_id is required');
  if (typeof b.site_id !== 'string' || !SITE_ID.test(b.site_id)) fail('site_id: not a site id');
  const siteId = b.site_id as string;

  if (!Array.isArray(b.metrics) || !b.metrics.length) fail('metrics: a non-empty list is required');
  const metrics = (b.metrics as unknown[]).map((m, i) => ((METRICS as readonly unknown[]).includes(m) ? (m as Metric) : fail(`metrics[${i}]: unknown metric ${JSON.stringify(m)}`)));

  const dimensions = b.dimensions === undefined ? [] : Array.isArray(b.dimensions) ? b.dimensions : fail('dimensions: must be a list');
  if (dimensions.length > LIMITS.dimensions) fail(`dimensions: at most ${LIMITS.dimensions}`);
  dimensions.forEach((d, i) => isDimension(d) || fail(`dimensions[${i}]: unknown dimension ${JSON.stringify(d)}`));
  if (new Set(dimensions).size !== dimensions.length) fail('dimensions: each at most once');
  if (metrics.includes('percentage') && !dimensions.length) fail('metrics: percentage needs a dimension');

  const filters = b.filters === undefined ? [] : Array.isArray(b.filters) ? b.filters.map((f, i) => parseFilter(f, `filters[${i}]`, 0)) : fail('filters: must be a list');

  const { from, to } = parseDateRange(b.date_range, now);

  const orderBy: [string, 'asc' | 'desc'][] = [];
  if (b.order_by !== undefined) {
    if (!Array.isArray(b.order_by)) fail('order_by: must be a list of [metric or dimension, "asc" | "desc"]');
    (b.order_by as unknown[]).forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2 || (entry[1] !== 'asc' && entry[1] !== 'desc')) fail(`order_by[${i}]: must be [name, "asc" | "desc"]`);
      const [name, direction] = entry as [unknown, 'asc' | 'desc'];
      if (!(metrics as unknown[]).includes(name) && !(dimensions as unknown[]).includes(name)) fail(`order_by[${i}]: ${JSON.stringify(name)} is not one of the query's metrics or dimensions`);
      orderBy.push([name as string, direction]);
    });
  }

  let limit: number = LIMITS.limit;
  let offset = 0;
  if (b.pagination !== undefined) {
    const p = b.pagination as Record<string, unknown>;
    if (!p || typeof p !== 'object') fail('pagination: must be {limit, offset}');
    if (p.limit !== undefined) {
      if (!Number.isInteger(p.limit) || (p.limit as number) < 1) fail('pagination.limit: a positive integer');
      if ((p.limit as number) > LIMITS.limit) fail(`pagination.limit: at most ${LIMITS.limit}`);
      limit = p.limit as number;
    }
    if (p.offset !== undefined) {
      if (!Number.isInteger(p.offset) || (p.offset as number) < 0) fail('pagination.offset: a non-negative integer');
      offset = p.offset as number;
    }
  }
  const include = { totalRows: false, timeLabels: false };
  if (b.include !== undefined) {
    const inc = b.include as Record<string, unknown>;
    if (!inc || typeof inc !== 'object') fail('include: must be an object');
    for (const [key, value] of Object.entries(inc)) {
      if (typeof value !== 'boolean') fail(`include.${key}: must be true or false`);
      if (key === 'total_rows') include.totalRows = value as boolean;
      else if (key === 'time_labels') include.timeLabels = value as boolean;
      else if (key !== 'imports') fail(`include.${key}: unknown option`);
    }
  }
  return {
    siteId,
    from,
    to,
    metrics,
    dimensions: dimensions as Dimension[],
    filters,
    orderBy,
    limit,
    offset,
    include,
    echo: {
      site_id: siteId,
      metrics,
      date_range: [new Date(from).toISOString(), new Date(to - 1).toISOString()],
      dimensions,
      filters: b.filters ?? [],
      order_by: b.order_by ?? null,
      include: b.include ?? {},
      pagination: { limit, offset },
    },
  };
}

function parseFilter(raw: unknown, field: string, depth: number): Filter {
  if (depth > LIMITS.depth) fail(`${field}: nested too deep`);
  if (!Array.isArray(raw) || !raw.length) fail(`${field}: must be [operator, dimension, [values]]`);
  const [op, ...rest] = raw as unknown[];
  if (op === 'and' || op === 'or') {
    const list = rest[0];
    if (rest.length !== 1 || !Array.isArray(list) || !list.length) fail(`${field}: ${op} takes a non-empty list of filters`);
    return { op, filters: (list as unknown[]).map((f, i) => parseFilter(f, `${field}[1][${i}]`, depth + 1)) };
  }
  if (op === 'not') {
    if (rest.length !== 1) fail(`${field}: not takes one filter`);
    return { op, filter: parseFilter(rest[0], `${field}[1]`, depth + 1) };
  }
  if (!(OPERATORS as readonly unknown[]).includes(op)) fail(`${field}: unknown operator ${JSON.stringify(op)}`);
  const [dimension, values] = rest;
  if (!isDimension(dimension) || dimension.startsWith('time:')) fail(`${field}: unknown dimension ${JSON.stringify(dimension)}`);
  if (!Array.isArray(values) || !values.length || values.length > LIMITS.values) fail(`${field}: values must be a list of 1 to ${LIMITS.values} strings`);
  const strings = (values as unknown[]).map((v, i) => (typeof v === 'string' ? v : fail(`${field}[2][${i}]: must be a string`)));
  if (op === 'matches' || op === 'matches_not') {
    strings.forEach((pattern, i) => {
      if (pattern.length > LIMITS.regex) fail(`${field}[2][${i}]: a pattern of at most ${LIMITS.regex} characters`);
      try {
        new RegExp(pattern, 'u');
      } catch {
        fail(`${field}[2][${i}]: not a valid regular expression`);
      }
    });
  }
  return { op: op as Operator, dimension: dimension as Dimension, values: strings };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDateRange(raw: unknown, now: number): { from: number; to: number } {
  const today = floorTo(now, DAY_MS);
  const utcMonth = (ms: number, add = 0) => {
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
  };
  if (raw === undefined) fail('date_range is required');
  if (Array.isArray(raw)) {
    if (raw.length !== 2 || !raw.every((d) => typeof d === 'string' && (ISO_DATE.test(d) || !Number.isNaN(Date.parse(d))))) fail('date_range: [from, to] as ISO dates');
    const [a, b] = raw as string[];
    const from = ISO_DATE.test(a!) ? Date.parse(`${a}T00:00:00Z`) : Date.parse(a!);
    const to = ISO_DATE.test(b!) ? Date.parse(`${b}T00:00:00Z`) + DAY_MS : Date.parse(b!) + 1;
    if (Number.isNaN(from) || Number.isNaN(to)) fail('date_range: [from, to] as ISO dates');
    if (from >= to) fail('date_range: from must not be after to');
    return { from, to };
  }
  switch (raw) {
    // The ranges that mean what GET /api/stats' periods of the same name mean.
    case 'day':
      return periodWindow('today', now);
    case '7d':
    case '28d':
    case '30d':
    case '91d':
    case 'month':
    case 'year':
      return periodWindow(raw, now);
    // Plausible's own: 24h ends now, 6mo and 12mo start on a month's first day.
    case '24h':
      return { from: now - DAY_MS, to: now + 1 };
    case '6mo':
      return { from: utcMonth(now, -5), to: today + DAY_MS };
    case '12mo':
      return { from: utcMonth(now, -11), to: today + DAY_MS };
    case 'all':
      return { from: Date.UTC(2020, 0, 1), to: today + DAY_MS };
    default:
      return fail(`date_range: one of ${DATE_RANGES.join(', ')}, or [from, to]`);
  }
}
