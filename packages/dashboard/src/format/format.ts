/**
 * How numbers read on screen. Every function takes an optional locale so tests can pin
 * one; the dashboard passes none and follows the browser's.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = formatters.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    formatters.set(id, format);
  }
  return format;
}

/** Below this a count is shown in full; above it, compactly (123.4K) with the exact value in a title. */
export const COMPACT_FROM = 100_000;

/** A count: exact up to 99,999, then compact. Not-a-number reads as an em dash. */
export function formatCount(value: number, locale?: string): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) < COMPACT_FROM) return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  return numberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** A count always in full, for titles and CSV-adjacent text. */
export function formatExact(value: number, locale?: string): string {
  if (!Number.isFinite(value)) return '—';
  return numberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

/** A 0..1 ratio as a percentage; small ratios keep one decimal so 0.4% does not read as 0%. */
export function formatPercent(ratio: number, locale?: string): string {
  if (!Number.isFinite(ratio)) return '—';
  const digits = Math.abs(ratio) < 0.1 && ratio !== 0 ? 1 : 0;
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(ratio);
}

/** The local time of an ISO instant, to the minute (`14:02`); the text as given when it is not one. */
export function formatClock(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** Seconds as `45s`, `1m 05s`, `2h 03m`. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—';
  const seconds = Math.round(totalSeconds);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * Pageviews per session, two decimals at most. Pageviews without sessions (a filter
 * the API cannot count sessions for) have no ratio: NaN, shown as a dash.
 */
export function viewsPerSession(pageviews: number, sessions: number): number {
  if (!sessions) return pageviews ? Number.NaN : 0;
  return Math.round((pageviews / sessions) * 100) / 100;
}

export function formatDecimal(value: number, locale?: string): string {
  if (!Number.isFinite(value)) return '—';
  return numberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

export const Trend = { up: 'up', down: 'down', flat: 'flat', new: 'new', none: 'none' } as const;
export type Trend = (typeof Trend)[keyof typeof Trend];

export interface Change {
  trend: Trend;
  /** `+12%`, `−8%`, `0%`, `new` or an empty string when there is nothing to compare. */
  text: string;
  /** The size of the change without its sign (`12%`), for display beside an arrow. */
  magnitude: string;
}

/** The change of `current` against `previous`, rounded to whole percent. */
export function formatChange(current: number, previous: number, locale?: string): Change {
  if (!Number.isFinite(current) || !Number.isFinite(previous)) return { trend: Trend.none, text: '', magnitude: '' };
  if (previous === 0) {
    return current === 0 ? { trend: Trend.none, text: '', magnitude: '' } : { trend: Trend.new, text: 'new', magnitude: 'new' };
  }
  const percent = Math.round(((current - previous) / Math.abs(previous)) * 100);
  if (percent === 0) return { trend: Trend.flat, text: '0%', magnitude: '0%' };
  const magnitude = `${numberFormat(locale, { maximumFractionDigits: 0 }).format(Math.abs(percent))}%`;
  // U+2212 is the typographic minus: the same width as the plus sign, so columns align.
  return percent > 0
    ? { trend: Trend.up, text: `+${magnitude}`, magnitude }
    : { trend: Trend.down, text: `\u2212${magnitude}`, magnitude };
}

let regionNames: Intl.DisplayNames | null | undefined;

/** `DE` → `Germany`; anything that is not a region code comes back unchanged. */
export function countryName(code: string, locale?: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return code;
  try {
    if (locale) return new Intl.DisplayNames([locale], { type: 'region' }).of(code.toUpperCase()) ?? code;
    regionNames ??= new Intl.DisplayNames(undefined, { type: 'region' });
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    // Older engines lack Intl.DisplayNames or reject some codes; the code itself still reads.
    regionNames = null;
    return code;
  }
}

/** A UTC instant as `YYYY-MM-DD` in local time, the format of `<input type=date>`. */
export function toDateInput(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/**
 * An ISO bucket start as a short label: `Tue 14:00` for hours, `Tue, Mar 5` for days.
 * `utc` shows the UTC calendar day, for day buckets that start at 00:00 UTC.
 */
export function formatBucket(iso: string, interval: 'hour' | 'day', locale?: string, utc = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const timeZone = utc ? 'UTC' : undefined;
  if (interval === 'hour') {
    return date.toLocaleString(locale, { weekday: 'short', hour: '2-digit', minute: '2-digit', timeZone });
  }
  return date.toLocaleDateString(locale, { weekday: 'short', month: 'short', day: 'numeric', timeZone });
}

/**
 * The footnote's word on freshness: requests are folded into the rollups a little after
 * they arrive (in AWS within about a minute), and the API says up to when (`counted_until`).
 * Silent while that is within a few seconds of the answer.
 */
export function countedNote(countedUntil: string | null, generated: Date, locale?: string): string {
  if (countedUntil === null) return ' · the newest events may not be counted yet';
  const counted = new Date(countedUntil);
  return generated.getTime() - counted.getTime() > 5_000 ? ` · counted up to ${counted.toLocaleTimeString(locale)}` : '';
}

/** "1 pageview", "2 pageviews", "12.3k pageviews". */
export function pageviewsLabel(count: number, locale?: string): string {
  return `${formatCount(count, locale)} ${count === 1 ? 'pageview' : 'pageviews'}`;
}
