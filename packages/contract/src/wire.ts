/**
 * The HTTP API's response shapes, declared once for the collector and the dashboard.
 * Types only: nothing here exists at run time. Changes are additive (new optional
 * fields), so that a dashboard built against an older collector keeps working.
 *
 * docs/contracts.md says what they promise; docs/openapi.yaml describes the same shapes
 * for other clients.
 */

import type { Scope } from './access.js';

/** Every response: `{"status":"success","data":…}` or `{"status":"error","message":…}`. */
export type Envelope<T> = { status: 'success'; data: T } | { status: 'error'; message: string };

export interface ErrorBody {
  status: 'error';
  message: string;
}

// ---------------------------------------------------------------------------------------
// POST /api/events

export interface RejectedEvent {
  /** Position of the event in the request's `events` array (0 for a single bare event). */
  index: number;
  /** Why it was refused, e.g. "session_id must be 8-128 characters of [A-Za-z0-9_-]". */
  reason: string;
}

export interface EventsData {
  /** Events stored and counted by this request. */
  accepted: number;
  /** Events whose event_id was already stored (a retried batch): not counted again. */
  duplicates: number;
  /** Invalid events of a partly valid batch; the valid ones were stored. */
  rejected: RejectedEvent[];
}

export type EventsResponse = Envelope<EventsData>;

// ---------------------------------------------------------------------------------------
// GET /api/realtime?site_id=S&minutes=5[&filter=[!|~]dimension:value …]

export interface RealtimeRow {
  value: string;
  /** Active sessions on this page / from this referrer. */
  sessions: number;
}

export interface RealtimeMinute {
  /** Start of the minute, ISO 8601 UTC. */
  t: string;
  pageviews: number;
}

export interface RealtimeData {
  site_id: string;
  /** The window actually used (1..30). */
  minutes: number;
  /** Sessions with activity in the last `minutes` minutes. */
  active_sessions: number;
  /** The page each active session is on now, most sessions first. */
  pages: RealtimeRow[];
  /** The source of each active session (referrer host, or "(direct)"), most first. */
  referrers: RealtimeRow[];
  /** Page views per minute for the last 30 minutes, oldest first, 30 entries (never filtered). */
  per_minute: RealtimeMinute[];
  /** Present when `filter=` narrowed the sessions (and so `active_sessions`, `pages`, `referrers`). */
  filtered?: true;
}

export type RealtimeResponse = Envelope<RealtimeData>;

// ---------------------------------------------------------------------------------------
// GET /api/stats?site_id=S&period=…|from=…&to=… [&interval=hour|day] [&filter=dim:value] [&include=health]

export type Period = 'today' | '24h' | '7d' | '28d' | '30d' | '91d' | 'month' | 'last_month' | '12mo' | 'year' | 'all';

export type Interval = 'hour' | 'day';

/** The dimensions `filter=<dimension>:<value>` accepts. */
export type FilterDimension =
  | 'page'
  | 'referrer'
  | 'utm_source'
  | 'utm_medium'
  | 'utm_campaign'
  | 'country'
  | 'browser'
  | 'os'
  | 'device'
  | 'event';

export interface Totals {
  pageviews: number;
  /** Unique visitors (daily-salted hash; summed per day over multi-day ranges, see meta). */
  visitors: number;
  sessions: number;
  /** Bounced sessions / sessions, 0..1 (0 when there are no sessions). */
  bounce_rate: number;
  /** Average session duration in seconds (0 when there are no sessions). */
  avg_duration_s: number;
  /** Custom events (every event_type other than page_view and engagement). */
  events: number;
}

export interface TimeseriesPoint {
  /** Start of the bucket, ISO 8601 UTC. */
  t: string;
  pageviews: number;
  visitors: number;
  sessions: number;
  events: number;
}

export interface BreakdownRow {
  /** The dimension's value; "(other)" holds values past the per-bucket cap and past the top 100. */
  value: string;
  pageviews: number;
  visitors: number;
}

export interface EventPropRow {
  key: string;
  value: string;
  count: number;
}

export interface EventRow {
  /** The custom event's name (its event_type). */
  value: string;
  count: number;
  props: EventPropRow[];
}

export interface Breakdowns {
  pages: BreakdownRow[];
  entry_pages: BreakdownRow[];
  exit_pages: BreakdownRow[];
  /** Referrer hosts; "(direct)" for sessions without an external referrer. */
  referrers: BreakdownRow[];
  utm_source: BreakdownRow[];
  utm_medium: BreakdownRow[];
  utm_campaign: BreakdownRow[];
  browsers: BreakdownRow[];
  os: BreakdownRow[];
  devices: BreakdownRow[];
  /** ISO 3166-1 alpha-2 codes from CloudFront-Viewer-Country; "(unknown)" without it. */
  countries: BreakdownRow[];
  events: EventRow[];
}

export type StatsSection = 'totals' | 'previous' | 'timeseries' | 'breakdowns';

export interface Approximation {
  /** Dotted path into `data`, e.g. "totals.visitors" or "breakdowns.pages.visitors". */
  field: string;
  /** Plain-language reason, fit to show a user. */
  reason: string;
}

export interface LateValue {
  /** The breakdown the value's row first shows in (for a combination, its first part). */
  breakdown: keyof Breakdowns;
  value: string;
  /** When the row was admitted, ISO 8601 UTC. */
  admitted_at: string;
}

/** What `previous` is compared with: GET /api/stats' `compare`. */
export type CompareMode = 'previous_period' | 'year_over_year' | 'custom';

/** What the numbers are: which are exact, and whether they can still change. */
export interface StatsMeta {
  /** The window `previous` counts, [from, to) as ISO 8601 UTC, and how it was chosen. */
  compare: { mode: CompareMode; from: string; to: string };
  /** When this answer was computed, ISO 8601 UTC. */
  generated_at: string;
  /** Buckets are UTC hours and UTC days. */
  timezone: 'UTC';
  /** The bucket size summed for totals and breakdowns. */
  bucket: Interval;
  /** True when every number in that section is an exact count for the window. */
  exact: Record<StatsSection, boolean>;
  /** Every number that is not exact, and why. Empty when all are exact. */
  approximations: Approximation[];
  /** True when the window contains the bucket that is still receiving events. */
  current_bucket_filling: boolean;
  /** Start of that still-filling bucket (ISO), or null. */
  filling_bucket: string | null;
  /** True when some values were folded into "(other)" (per-bucket cap or top 100). */
  other_folded: boolean;
  /**
   * Values that got a row of their own only after earlier counts of their day had gone to
   * "(other)" (the day's cap admits its second half by weight of traffic): those earlier
   * counts stay in "(other)". At most 50, earliest first.
   */
  late_values: LateValue[];
  /**
   * The intervals worth asking for this window and filter (`intervalChoices` in values.ts):
   * what the dashboard offers, so that it need not know the server's rules.
   */
  intervals: Interval[];
  /** Which sections the filter narrowed (all false without a filter): breakdowns are kept unfiltered. */
  filtered: Record<StatsSection, boolean>;
  /** Rollup items read to build this answer: bounded, whatever the traffic. */
  items_read: number;
  /**
   * Every event that reached the events stream before this time (ISO) is in the numbers.
   * The stream's consumer counts events seconds after their request: locally a read waits
   * for it, so this is the read's time. Null before anything was counted, or when the
   * consumer's progress could not be read.
   */
  counted_until: string | null;
}

export interface IngestionHealthDay {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  accepted: number;
  duplicates: number;
  bots: number;
  rejected: number;
  /** Rejections by reason code, e.g. { invalid_session_id: 2 }. */
  rejected_by_reason: Record<string, number>;
}

/** Ingestion health for the site over the stats window (`include=health`). */
export interface IngestionHealth {
  days: IngestionHealthDay[];
  totals: Omit<IngestionHealthDay, 'date'>;
}

export interface StatsFilter {
  dimension: FilterDimension;
  value: string;
}

export interface StatsData {
  site_id: string;
  /** The named period, or null when `from`/`to` were given. */
  period: Period | null;
  /** The window, ISO 8601 UTC: from inclusive, to exclusive. */
  from: string;
  to: string;
  interval: Interval;
  filter: StatsFilter | null;
  totals: Totals;
  /** The same keys for the window of equal length just before. */
  previous: Totals;
  timeseries: TimeseriesPoint[];
  breakdowns: Breakdowns;
  meta: StatsMeta;
  /** Present only with `include=health`. */
  health?: IngestionHealth;
}

export type StatsResponse = Envelope<StatsData>;

// ---------------------------------------------------------------------------------------
// GET /api/sites

export interface SiteSummary {
  site_id: string;
  /** Page views in the last 24 hours (the 24 hourly buckets ending with the current one). */
  pageviews_24h: number;
  /** When the site's first event was received, ISO 8601 UTC. */
  first_seen: string;
}

/** Events of one UTC day stored nowhere because of where they came from, for the whole deployment. */
export interface DroppedDay {
  /** YYYY-MM-DD. */
  date: string;
  /** Events for a site nobody registered. */
  unknown_site: number;
  /** Events from a page whose hostname the site does not allow. */
  foreign_host: number;
  /** Events of visitors past an address's bound per minute (NEW_VISITORS_PER_ADDRESS_PER_MINUTE). */
  client_bound: number;
}

export interface SitesData {
  /** The registered sites the key may read. */
  sites: SiteSummary[];
  /** Admin keys only: what was dropped over the last 7 UTC days, oldest first. */
  dropped?: DroppedDay[];
}

export type SitesResponse = Envelope<SitesData>;

// ---------------------------------------------------------------------------------------
// Access: keys, sites and their settings (admin scope unless said otherwise)

/** A key as the API shows it; the key itself is shown once, when it is created. */
export interface KeySummary {
  name: string;
  scopes: Scope[];
  /** The sites it may use, or null for every site. */
  sites: string[] | null;
  /** ISO 8601 UTC. */
  created_at: string;
  /** Last accepted use, to the minute; null before the first. */
  last_used_at: string | null;
  /** Set once the key is revoked; it then opens nothing. */
  revoked_at: string | null;
}

/** GET /api/keys */
export interface KeysData {
  keys: KeySummary[];
}

/** POST /api/keys */
export interface CreateKeyRequest {
  name: string;
  scopes: Scope[];
  /** Omitted or null: every site. */
  sites?: string[] | null;
}

/** POST /api/keys: the new key, in `key`, is in no later answer. */
export interface CreatedKeyData extends KeySummary {
  key: string;
}

/** GET /api/key (any valid key): the key the request carries. */
export interface KeyData {
  key: KeySummary;
}

/** DELETE /api/keys/{name} */
export interface RevokedKeyData {
  name: string;
  revoked_at: string;
}

/** A site's settings: one document, replaced whole by PUT. Every key is optional. */
export interface SiteSettings {
  /** Hostnames whose pages may send events (`*.example.com` adds subdomains); none: any. */
  hostnames?: string[];
  /** IANA time zone, e.g. "Europe/Berlin". */
  timezone?: string;
  /** Goal definitions (their shape belongs to the conversions work; stored as given). */
  goals?: Record<string, unknown>[];
  funnels?: Record<string, unknown>[];
  reports?: { weekly?: boolean; monthly?: boolean; recipients?: string[] };
  alerts?: { spike_visitors_10m?: number; drop_hours?: number };
}

/** POST /api/sites */
export interface CreateSiteRequest {
  site_id: string;
  hostnames?: string[];
}

/** POST /api/sites, GET and PUT /api/sites/{site}/settings (GET with a read key for the site). */
export interface SiteSettingsData {
  site_id: string;
  /** ISO 8601 UTC. */
  created_at: string;
  settings: SiteSettings;
}

/** DELETE /api/sites/{site}: what was removed. */
export interface DeletedSiteData {
  site_id: string;
  /** Rollup items and sessions deleted; keys whose site list no longer names the site. */
  removed: { stats_items: number; sessions: number; keys: number };
}
