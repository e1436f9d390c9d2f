/**
 * Every rule about what the API accepts, in one module: the events body, and the query
 * parameters of the read endpoints. Nothing here touches storage.
 */
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import {
  DEFAULT_SITE,
  LIMITS,
  REASON,
  SESSION_ID,
  SITE_ID,
  storableNumber,
  defaultInterval,
  type ReasonCode,
  FILTER_DIMENSIONS,
  REALTIME_FILTER_DIMENSIONS,
  chipOperator,
  type ChipOperator,
  type RealtimeFilterDimension,
  INTERVALS,
  MAX_HOURLY_DAYS,
  PERIODS,
  COMPARE_MODES,
  type CompareMode,
  MAX_WINDOW_DAYS,
  periodWindow,
  type FilterDimension,
  type Interval,
  type Period,
} from '@liveinsight/contract';

const SCREEN = /^\d{1,5}x\d{1,5}$/;
const LANGUAGE = /^[A-Za-z0-9-]{1,35}$/;
/** Keys that reach Object.prototype when code assigns them; refused outright as prop keys. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type PropValue = string | number | boolean;

/** An event that passed every rule, fields typed; props as entries so no object is built from input keys. */
export interface ValidEvent {
  index: number;
  eventType: string;
  sessionId: string;
  /** The client's id, or undefined (then retries of it cannot be recognised). */
  eventId: string | undefined;
  /** Client clock, milliseconds (seconds were scaled); undefined when the event had none. */
  timestamp: number | undefined;
  pageUrl: string;
  referrer: string;
  siteId: string;
  props: [string, PropValue][];
  screen: string | undefined;
  language: string | undefined;
}

export interface RejectedEvent {
  index: number;
  code: ReasonCode;
  reason: string;
  /** The event's site when it could be read, for ingestion health. */
  siteId: string | undefined;
}

export interface ParsedBody {
  events: ValidEvent[];
  rejected: RejectedEvent[];
  /** The tracker's send time, milliseconds; undefined when absent. */
  sentAt: number | undefined;
  /** True for `{"events":[…]}`, false for one bare event. */
  batch: boolean;
}

/** Seconds since 1970 stay below 1e11 until the year 5138; milliseconds pass it in 1973. */
export function toMilliseconds(value: number): number {
  return value < 1e11 ? value * 1000 : value;
}

/** A bound on client time (year 2255): within the events key's 13 digits of milliseconds. */
const MAX_TIMESTAMP_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000) - 1;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses and checks a POST /api/events body. Throws 413/400 for a body that is unusable as a whole. */
export function parseEventsBody(body: string): ParsedBody {
  if (Buffer.byteLength(body, 'utf8') > LIMITS.bodyBytes) {
    throw new PayloadTooLargeError(`Body is larger than ${LIMITS.bodyBytes} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequestError('Body is not valid JSON');
  }
  if (!isObject(parsed)) throw new BadRequestError('Body must be an event object or {"events":[...]}');
  const batch = 'events' in parsed;
  let raw: unknown[];
  let sentAt: number | undefined;
  if (batch) {
    if (!Array.isArray(parsed.events)) throw new BadRequestError('events must be an array');
    if (parsed.events.length === 0) throw new BadRequestError('events is empty');
    if (parsed.events.length > LIMITS.eventsPerRequest) {
      throw new BadRequestError(`At most ${LIMITS.eventsPerRequest} events per request (got ${parsed.events.length})`);
    }
    raw = parsed.events;
    if (parsed.sent_at !== undefined) {
      if (typeof parsed.sent_at !== 'number' || !Number.isFinite(parsed.sent_at) || parsed.sent_at <= 0) {
        throw new BadRequestError('sent_at must be a positive number (milliseconds)');
      }
      sentAt = toMilliseconds(parsed.sent_at);
    }
  } else {
    raw = [parsed];
  }
  const events: ValidEvent[] = [];
  const rejected: RejectedEvent[] = [];
  raw.forEach((candidate, index) => {
    const outcome = validateEvent(candidate, index);
    if ('code' in outcome) rejected.push(outcome);
    else events.push(outcome);
  });
  return { events, rejected, sentAt, batch };
}

/** A request in which no event is valid is refused as a whole, naming the first problem. */
export function assertSomeValid(parsed: ParsedBody): void {
  if (parsed.events.length) return;
  const first = parsed.rejected[0]!;
  throw new BadRequestError(parsed.batch ? `events[${first.index}]: ${first.reason}` : first.reason);
}

function validateEvent(candidate: unknown, index: number): ValidEvent | RejectedEvent {
  const reject = (code: ReasonCode, siteId?: string): RejectedEvent => ({ index, code, reason: REASON[code], siteId });
  if (!isObject(candidate)) return reject('not_an_object');
  const e = candidate;
  const siteId = e.site_id === undefined ? DEFAULT_SITE : e.site_id;
  if (typeof siteId !== 'string' || !SITE_ID.test(siteId)) return reject('site_id');
  if (typeof e.event_type !== 'string' || !e.event_type.trim() || e.event_type.length > LIMITS.eventTypeLength) {
    return reject('event_type', siteId);
  }
  if (typeof e.session_id !== 'string' || !SESSION_ID.test(e.session_id)) return reject('session_id', siteId);
  if (
    e.event_id !== undefined &&
    (typeof e.event_id !== 'string' || !e.event_id || e.event_id.length > LIMITS.eventIdLength)
  ) {
    return reject('event_id', siteId);
  }
  let timestamp: number | undefined;
  if (e.timestamp !== undefined) {
    if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp) || e.timestamp <= 0) return reject('timestamp', siteId);
    timestamp = Math.round(toMilliseconds(e.timestamp));
    if (timestamp > MAX_TIMESTAMP_MS) return reject('timestamp', siteId);
  }
  const pageUrl = e.page_url ?? '';
  if (typeof pageUrl !== 'string' || pageUrl.length > LIMITS.urlLength) return reject('page_url', siteId);
  const referrer = e.referrer ?? '';
  if (typeof referrer !== 'string' || referrer.length > LIMITS.urlLength) return reject('referrer', siteId);
  if (e.screen !== undefined && (typeof e.screen !== 'string' || !SCREEN.test(e.screen))) return reject('screen', siteId);
  if (e.language !== undefined && (typeof e.language !== 'string' || !LANGUAGE.test(e.language))) {
    return reject('language', siteId);
  }
  const props: [string, PropValue][] = [];
  if (e.props !== undefined && e.props !== null) {
    if (!isObject(e.props)) return reject('props', siteId);
    const keys = Object.keys(e.props);
    if (keys.length > LIMITS.props) return reject('props', siteId);
    for (const key of keys) {
      if (!key || key.length > LIMITS.propKeyLength || FORBIDDEN_KEYS.has(key)) return reject('prop_key', siteId);
      const value = e.props[key];
      const ok =
        (typeof value === 'string' && value.length <= LIMITS.propValueLength) ||
        (typeof value === 'number' && Number.isFinite(value)) ||
        typeof value === 'boolean';
      if (!ok) return reject('prop_value', siteId);
      if (typeof value === 'number' && !storableNumber(value)) return reject('prop_number', siteId);
      props.push([key, value as PropValue]);
    }
  }
  return {
    index,
    eventType: e.event_type.trim(),
    sessionId: e.session_id,
    eventId: e.event_id as string | undefined,
    timestamp,
    pageUrl,
    referrer,
    siteId,
    props,
    screen: e.screen as string | undefined,
    language: e.language as string | undefined,
  };
}

// ------------------------------------------------------------------ read endpoints

type Params = Record<string, string | undefined> | null;

function requireSiteId(params: Params): string {
  const siteId = params?.site_id;
  if (!siteId) throw new BadRequestError('site_id is required');
  if (!SITE_ID.test(siteId)) throw new BadRequestError(REASON.site_id);
  return siteId;
}

export interface RealtimeFilter {
  dimension: RealtimeFilterDimension;
  op: ChipOperator;
  value: string;
}

export interface RealtimeQuery {
  siteId: string;
  minutes: number;
  /** Combined with AND; empty: every live session. */
  filters: RealtimeFilter[];
}

/** At most this many `filter=` on one request, as many as the dashboard's chips could ask. */
export const MAX_REALTIME_FILTERS = 10;

/** `filters` are the request's `filter` values, repeated as the dashboard's chips write them. */
export function parseRealtimeQuery(params: Params, filters: readonly string[] = []): RealtimeQuery {
  const siteId = requireSiteId(params);
  const text = params?.minutes ?? '5';
  const minutes = Number(text);
  if (!/^\d+$/.test(text) || minutes < 1 || minutes > 30) throw new BadRequestError('minutes must be an integer from 1 to 30');
  if (filters.length > MAX_REALTIME_FILTERS) throw new BadRequestError(`filter: at most ${MAX_REALTIME_FILTERS}`);
  return { siteId, minutes, filters: filters.map(parseRealtimeFilter) };
}

function parseRealtimeFilter(text: string, index: number): RealtimeFilter {
  const { op, rest } = chipOperator(text);
  const colon = rest.indexOf(':');
  const dimension = rest.slice(0, Math.max(colon, 0));
  const value = colon < 0 ? '' : rest.slice(colon + 1);
  if (!(REALTIME_FILTER_DIMENSIONS as readonly string[]).includes(dimension)) {
    throw new BadRequestError(`filter[${index}]: the dimension must be one of ${REALTIME_FILTER_DIMENSIONS.join(', ')} (a live session's), as [!|~]dimension:value`);
  }
  if (!value) throw new BadRequestError(`filter[${index}]: a value is required`);
  if (value.length > LIMITS.urlLength) throw new BadRequestError(`filter[${index}]: at most ${LIMITS.urlLength} characters`);
  return { dimension: dimension as RealtimeFilterDimension, op, value };
}

export interface StatsQuery {
  siteId: string;
  period: Period | null;
  /** Custom window, ms: from inclusive, to exclusive. Set when period is null. */
  from?: number;
  to?: number;
  interval: Interval | undefined;
  filter: { dimension: FilterDimension; value: string } | null;
  includeHealth: boolean;
  /** What `previous` counts: the span just before (default), a year earlier, or given days. */
  compare: { mode: 'previous_period' | 'year_over_year' } | { mode: 'custom'; from: number; to: number };
}

const DAY_MS = 86_400_000;

/** `2024-05-01` (a whole UTC day), an ISO date-time, or epoch milliseconds. */
function parseInstant(name: string, text: string, end: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new BadRequestError(`${name} is not a valid date`);
    // A date given as `to` includes that whole day.
    return end ? ms + DAY_MS : ms;
  }
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadRequestError(`${name} must be an ISO date (YYYY-MM-DD), an ISO date-time or epoch milliseconds`);
}

export function parseStatsQuery(params: Params): StatsQuery {
  const siteId = requireSiteId(params);
  const p = params ?? {};
  let period: Period | null = null;
  let from: number | undefined;
  let to: number | undefined;
  if (p.from !== undefined || p.to !== undefined) {
    if (p.period !== undefined) throw new BadRequestError('Give either period or from/to, not both');
    if (!p.from || !p.to) throw new BadRequestError('from and to must be given together');
    from = parseInstant('from', p.from, false);
    to = parseInstant('to', p.to, true);
    if (from >= to) throw new BadRequestError('from must be before to');
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw new BadRequestError(`The window may span at most ${MAX_WINDOW_DAYS} days`);
  } else {
    const text = p.period ?? '24h';
    if (!(PERIODS as readonly string[]).includes(text)) {
      throw new BadRequestError(`period must be one of ${PERIODS.join(', ')}`);
    }
    period = text as Period;
  }
  let interval: Interval | undefined;
  if (p.interval !== undefined) {
    if (!(INTERVALS as readonly string[]).includes(p.interval)) {
      throw new BadRequestError(`interval must be ${INTERVALS.join(' or ')}`);
    }
    interval = p.interval as Interval;
  }
  let filter: StatsQuery['filter'] = null;
  if (p.filter !== undefined) {
    const colon = p.filter.indexOf(':');
    const dimension = colon > 0 ? p.filter.slice(0, colon) : '';
    const value = colon > 0 ? p.filter.slice(colon + 1) : '';
    if (!(FILTER_DIMENSIONS as readonly string[]).includes(dimension) || !value || value.length > LIMITS.urlLength) {
      throw new BadRequestError(`filter must be <dimension>:<value> with dimension one of ${FILTER_DIMENSIONS.join(', ')}`);
    }
    filter = { dimension: dimension as FilterDimension, value };
  }
  let includeHealth = false;
  if (p.include !== undefined) {
    if (p.include !== 'health') throw new BadRequestError('include accepts only "health"');
    includeHealth = true;
  }
  let compare: StatsQuery['compare'] = { mode: 'previous_period' };
  if (p.compare_from !== undefined || p.compare_to !== undefined) {
    if (p.compare !== undefined && p.compare !== 'custom') throw new BadRequestError('compare_from/compare_to go with compare=custom or no compare');
    if (!p.compare_from || !p.compare_to) throw new BadRequestError('compare_from and compare_to must be given together');
    const start = parseInstant('compare_from', p.compare_from, false);
    const end = parseInstant('compare_to', p.compare_to, true);
    if (start >= end) throw new BadRequestError('compare_from must be before compare_to');
    if (end - start > MAX_WINDOW_DAYS * DAY_MS) throw new BadRequestError(`The comparison may span at most ${MAX_WINDOW_DAYS} days`);
    compare = { mode: 'custom', from: start, to: end };
  } else if (p.compare !== undefined) {
    if (!(COMPARE_MODES as readonly string[]).includes(p.compare)) {
      throw new BadRequestError(`compare must be one of ${COMPARE_MODES.join(', ')} (or compare_from/compare_to)`);
    }
    compare = { mode: p.compare as 'previous_period' | 'year_over_year' };
  }
  return { siteId, period, from, to, interval, filter, includeHealth, compare };
}

/** The window `previous` counts, [from, to): a year earlier keeps the calendar dates and hours. */
export function compareWindow(compare: StatsQuery['compare'], from: number, to: number): { mode: CompareMode; from: number; to: number } {
  if (compare.mode === 'custom') return compare;
  if (compare.mode === 'previous_period') return { mode: 'previous_period', from: from - (to - from), to: from };
  const yearBefore = (ms: number) => {
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  };
  return { mode: 'year_over_year', from: yearBefore(from), to: yearBefore(to) };
}

export interface StatsWindow {
  from: number;
  to: number;
  interval: Interval;
}

/** The window a query names, and its interval (hourly only up to 31 days). */
export function resolveStatsWindow(query: StatsQuery, now: number): StatsWindow {
  let from: number;
  let to: number;
  if (query.period === null) {
    from = query.from!;
    to = query.to!;
  } else {
    ({ from, to } = periodWindow(query.period, now));
  }
  const interval = query.interval ?? defaultInterval(to - from);
  if (interval === 'hour' && to - from > MAX_HOURLY_DAYS * DAY_MS) {
    throw new BadRequestError(`interval=hour allows windows of at most ${MAX_HOURLY_DAYS} days`);
  }
  return { from, to, interval };
}
