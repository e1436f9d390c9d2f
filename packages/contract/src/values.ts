/**
 * The query values GET /api/stats accepts, as run-time lists, and the interval rules: the
 * collector validates against them and the dashboard builds its controls and parses its
 * URL from them, so a new period or filter dimension is added in one place.
 */
import type { Breakdowns, CompareMode, FilterDimension, Interval, Period } from './wire.js';

export const PERIODS = ['today', '24h', '7d', '28d', '30d', '91d', 'month', 'last_month', '12mo', 'year', 'all'] as const satisfies readonly Period[];

/** The longest window GET /api/stats answers, in days: `all` is the last this many. */
export const MAX_WINDOW_DAYS = 400;

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * A period's window, [from, to) in UTC ms. 24h ends with the current hour; the others end
 * with today, except last_month, the calendar month before this one. Days are UTC days.
 */
export function periodWindow(period: Period, now: number): { from: number; to: number } {
  if (period === '24h') {
    const to = Math.floor(now / HOUR) * HOUR + HOUR;
    return { from: to - 24 * HOUR, to };
  }
  const to = Math.floor(now / DAY) * DAY + DAY;
  const date = new Date(now);
  const month = (add: number) => Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + add, 1);
  switch (period) {
    case 'month':
      return { from: month(0), to };
    case 'last_month':
      return { from: month(-1), to: month(0) };
    case 'year':
      return { from: Date.UTC(date.getUTCFullYear(), 0, 1), to };
    default: {
      const days = { today: 1, '7d': 7, '28d': 28, '30d': 30, '91d': 91, '12mo': 365, all: MAX_WINDOW_DAYS }[period];
      return { from: to - days * DAY, to };
    }
  }
}

export const INTERVALS = ['hour', 'day'] as const satisfies readonly Interval[];

/** What `compare=` takes; `custom` is implied by `compare_from`/`compare_to`. */
export const COMPARE_MODES = ['previous_period', 'year_over_year'] as const satisfies readonly CompareMode[];

export const FILTER_DIMENSIONS = [
  'page',
  'referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'country',
  'browser',
  'os',
  'device',
  'event',
] as const satisfies readonly FilterDimension[];

/**
 * What GET /api/realtime's `filter` takes: the dimensions a live session holds. There
 * `page` is the page the session is on now.
 */
export const REALTIME_FILTER_DIMENSIONS = ['page', 'entry_page', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'country', 'browser', 'os', 'device'] as const;
export type RealtimeFilterDimension = (typeof REALTIME_FILTER_DIMENSIONS)[number];
/** A filter's operator as the dashboard's chips (and their `filter=` text) write it: `dim:v`, `!dim:v`, `~dim:v`. */
export const CHIP_OPERATORS = ['is', 'is_not', 'contains'] as const;
export type ChipOperator = (typeof CHIP_OPERATORS)[number];
export const CHIP_MARKS: Readonly<Record<ChipOperator, string>> = { is: '', is_not: '!', contains: '~' };

/** A chip's text split into its operator (its leading mark) and the rest, `dimension:value`. */
export function chipOperator(text: string): { op: ChipOperator; rest: string } {
  const op: ChipOperator = text[0] === CHIP_MARKS.is_not ? 'is_not' : text[0] === CHIP_MARKS.contains ? 'contains' : 'is';
  return { op, rest: op === 'is' ? text : text.slice(1) };
}

/** The breakdowns of GET /api/stats, in the order the API and the dashboard list them. */
export const BREAKDOWNS = [
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

/** The breakdowns whose rows are `{value, pageviews, visitors}` (all but `events`). */
export const VALUE_BREAKDOWNS = BREAKDOWNS.filter((name): name is Exclude<(typeof BREAKDOWNS)[number], 'events'> => name !== 'events');

/** The breakdown that lists a filter dimension's values. */
export const BREAKDOWN_OF: Readonly<Record<FilterDimension, keyof Breakdowns>> = {
  page: 'pages',
  referrer: 'referrers',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  country: 'countries',
  browser: 'browsers',
  os: 'os',
  device: 'devices',
  event: 'events',
};

const DAY_MS = 86_400_000;

/** Hourly buckets are kept for windows of at most this many days. */
export const MAX_HOURLY_DAYS = 31;

/** A window of at most this many days defaults to hours: one or two daily points say nothing. */
export const HOURLY_DEFAULT_DAYS = 2;

export function defaultInterval(spanMs: number): Interval {
  return spanMs <= HOURLY_DEFAULT_DAYS * DAY_MS ? 'hour' : 'day';
}

/**
 * The intervals worth offering for a window (`meta.intervals`): filtered numbers are kept
 * per day only, a day or two of days helps no one, and hours stop at MAX_HOURLY_DAYS.
 */
export function intervalChoices(spanMs: number, filtered: boolean): Interval[] {
  if (filtered) return ['day'];
  if (spanMs <= HOURLY_DEFAULT_DAYS * DAY_MS) return ['hour'];
  if (spanMs > MAX_HOURLY_DAYS * DAY_MS) return ['day'];
  return ['hour', 'day'];
}
