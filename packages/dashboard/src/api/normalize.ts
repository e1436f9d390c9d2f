import {
  BREAKDOWN_OF,
  BREAKDOWNS,
  INTERVALS,
  intervalChoices,
  type Breakdowns,
  type Interval,
  type KeyData,
  type KeySummary,
  type RealtimeData,
  type SiteSettings,
  type SiteSettingsData,
  type StatsData,
  type StatsFilter,
  type StatsMeta,
  type StatsSection,
  type Totals,
} from '@liveinsight/contract';
import type { QueryAnswer } from './query.js';

/**
 * The contract's wire types grow by additive fields only, so a collector older than a field simply
 * lacks it. These fill what is missing with "nothing", in one place, so that the panels
 * can trust the declared shape.
 */

const ZERO_TOTALS: Totals = { pageviews: 0, visitors: 0, sessions: 0, bounce_rate: 0, avg_duration_s: 0, events: 0 };

function totals(value: Partial<Totals> | undefined): Totals {
  const result = { ...ZERO_TOTALS };
  for (const name of Object.keys(ZERO_TOTALS) as (keyof Totals)[]) {
    const number = value?.[name];
    if (typeof number === 'number' && Number.isFinite(number)) result[name] = number;
  }
  return result;
}

const SECTIONS = ['totals', 'previous', 'timeseries', 'breakdowns'] as const satisfies readonly StatsSection[];

/**
 * A collector older than `meta.intervals` offered what the dashboard used to work out
 * from the window: hours up to two days, days beyond 31, both in between, whatever the filter.
 */
function fallbackIntervals(from: string, to: string): Interval[] {
  const span = Date.parse(to) - Date.parse(from);
  return Number.isFinite(span) ? intervalChoices(span, false) : ['hour', 'day'];
}


/**
 * A collector older than `meta.filtered` did not say whether its breakdowns were narrowed,
 * so the answer tells: narrowed, the filter's own breakdown could hold no value but the
 * filter's (filtered by page:/a, the pages table would list /a alone). Totals, previous and
 * the series were always narrowed by a filter.
 */
function fallbackFiltered(filter: StatsFilter | null, breakdowns: Breakdowns): Record<StatsSection, boolean> {
  if (!filter) return { totals: false, previous: false, timeseries: false, breakdowns: false };
  const rows: { value: string }[] = breakdowns[BREAKDOWN_OF[filter.dimension]] ?? [];
  const wanted = filter.value.toLowerCase();
  return { totals: true, previous: true, timeseries: true, breakdowns: rows.every((row) => row.value.toLowerCase() === wanted) };
}

function intervals(value: unknown, fallback: () => Interval[]): Interval[] {
  if (!Array.isArray(value)) return fallback();
  const known = (INTERVALS as readonly unknown[]).filter((interval) => value.includes(interval)) as Interval[];
  return known.length ? known : fallback();
}

function filtered(value: unknown, fallback: () => Record<StatsSection, boolean>): Record<StatsSection, boolean> {
  if (typeof value !== 'object' || value === null) return fallback();
  const given = value as Partial<Record<StatsSection, unknown>>;
  const result = fallback();
  for (const section of SECTIONS) if (typeof given[section] === 'boolean') result[section] = given[section];
  return result;
}

export function normalizeStats(raw: Partial<StatsData>, now = new Date()): StatsData {
  const breakdowns = {} as Record<keyof Breakdowns, unknown[]>;
  for (const key of BREAKDOWNS) {
    const rows = raw.breakdowns?.[key];
    breakdowns[key] = Array.isArray(rows) ? rows : [];
  }
  const interval = raw.interval === 'day' ? 'day' : 'hour';
  const from = raw.from ?? '';
  const to = raw.to ?? '';
  const filter = raw.filter ?? null;
  const rawMeta: Partial<StatsMeta> = raw.meta ?? {};
  const meta: StatsMeta = {
    compare: { mode: 'previous_period', from: '', to: '' },
    generated_at: now.toISOString(),
    timezone: 'UTC',
    bucket: interval,
    exact: { totals: true, previous: true, timeseries: true, breakdowns: true },
    approximations: [],
    current_bucket_filling: false,
    filling_bucket: null,
    other_folded: false,
    late_values: [],
    items_read: 0,
    counted_until: null,
    ...rawMeta,
    intervals: intervals(rawMeta.intervals, () => fallbackIntervals(from, to)),
    filtered: filtered(rawMeta.filtered, () => fallbackFiltered(filter, breakdowns as unknown as Breakdowns)),
  };
  return {
    site_id: raw.site_id ?? '',
    period: raw.period ?? null,
    from,
    to,
    interval,
    filter,
    totals: totals(raw.totals),
    previous: totals(raw.previous),
    timeseries: Array.isArray(raw.timeseries) ? raw.timeseries : [],
    breakdowns: breakdowns as unknown as Breakdowns,
    meta: { ...meta, approximations: Array.isArray(meta.approximations) ? meta.approximations : [] },
    ...(raw.health ? { health: raw.health } : {}),
  };
}

export function normalizeRealtime(raw: Partial<RealtimeData>): RealtimeData {
  return {
    site_id: raw.site_id ?? '',
    minutes: typeof raw.minutes === 'number' ? raw.minutes : 5,
    active_sessions: typeof raw.active_sessions === 'number' ? raw.active_sessions : 0,
    pages: Array.isArray(raw.pages) ? raw.pages : [],
    referrers: Array.isArray(raw.referrers) ? raw.referrers : [],
    per_minute: Array.isArray(raw.per_minute) ? raw.per_minute : [],
    ...(raw.filtered === true ? { filtered: true as const } : {}),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Scopes are kept as sent, unknown ones too: the dashboard remembers a key only when every
 * scope is `read`, so a scope added later counts as one that may change data.
 */
export function normalizeKey(raw: Partial<KeyData>): KeyData {
  const key: Partial<KeySummary> = raw.key ?? {};
  return {
    key: {
      name: text(key.name) ?? '',
      scopes: Array.isArray(key.scopes) ? key.scopes.filter((scope): scope is KeySummary['scopes'][number] => typeof scope === 'string') : [],
      sites: Array.isArray(key.sites) ? key.sites.filter((site) => typeof site === 'string') : null,
      created_at: text(key.created_at) ?? '',
      last_used_at: text(key.last_used_at),
      revoked_at: text(key.revoked_at),
    },
  };
}

/** The document is shown and edited as the API holds it, keys this dashboard does not know included. */
export function normalizeSiteSettings(raw: Partial<SiteSettingsData>, siteId: string): SiteSettingsData {
  const settings = raw.settings;
  return {
    site_id: text(raw.site_id) ?? siteId,
    created_at: text(raw.created_at) ?? '',
    settings: typeof settings === 'object' && settings !== null && !Array.isArray(settings) ? (settings as SiteSettings) : {},
  };
}

/** Rows the panels can read whatever came: a missing list is none, a missing metric 0. */
export function normalizeQuery(raw: Partial<QueryAnswer>, now = new Date()): QueryAnswer {
  const rows = Array.isArray(raw.results) ? raw.results : [];
  const meta: Partial<QueryAnswer['meta']> = raw.meta ?? {};
  return {
    results: rows.map((row) => ({
      dimensions: Array.isArray(row?.dimensions) ? row.dimensions.map((d) => (d === null || d === undefined ? null : String(d))) : [],
      metrics: Array.isArray(row?.metrics) ? row.metrics.map((m) => (typeof m === 'number' && Number.isFinite(m) ? m : 0)) : [],
    })),
    meta: { engine: text(meta.engine) ?? '', generated_at: text(meta.generated_at) ?? now.toISOString() },
    ...(raw.query ? { query: raw.query } : {}),
  };
}
