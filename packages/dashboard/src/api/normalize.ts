import type { Breakdowns, RealtimeData, StatsData, StatsMeta, Totals } from '@liveinsight/collector/api-types';

/**
 * api-types.ts grows by additive fields only, so a collector older than a field simply
 * lacks it. These fill what is missing with "nothing", in one place, so that the panels
 * can trust the declared shape.
 */

const ZERO_TOTALS: Totals = { pageviews: 0, visitors: 0, sessions: 0, bounce_rate: 0, avg_duration_s: 0, events: 0 };

const BREAKDOWN_KEYS = [
  'pages',
  'entry_pages',
  'exit_pages',
  'referrers',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'browsers',
  'os',
  'devices',
  'countries',
  'events',
] as const satisfies readonly (keyof Breakdowns)[];

function totals(value: Partial<Totals> | undefined): Totals {
  const result = { ...ZERO_TOTALS };
  for (const name of Object.keys(ZERO_TOTALS) as (keyof Totals)[]) {
    const number = value?.[name];
    if (typeof number === 'number' && Number.isFinite(number)) result[name] = number;
  }
  return result;
}

export function normalizeStats(raw: Partial<StatsData>, now = new Date()): StatsData {
  const breakdowns = {} as Record<keyof Breakdowns, unknown[]>;
  for (const key of BREAKDOWN_KEYS) {
    const rows = raw.breakdowns?.[key];
    breakdowns[key] = Array.isArray(rows) ? rows : [];
  }
  const interval = raw.interval === 'day' ? 'day' : 'hour';
  const meta: StatsMeta = {
    generated_at: now.toISOString(),
    timezone: 'UTC',
    bucket: interval,
    exact: { totals: true, previous: true, timeseries: true, breakdowns: true },
    approximations: [],
    current_bucket_filling: false,
    filling_bucket: null,
    other_folded: false,
    items_read: 0,
    counted_until: null,
    ...raw.meta,
  };
  return {
    site_id: raw.site_id ?? '',
    period: raw.period ?? null,
    from: raw.from ?? '',
    to: raw.to ?? '',
    interval,
    filter: raw.filter ?? null,
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
  };
}
