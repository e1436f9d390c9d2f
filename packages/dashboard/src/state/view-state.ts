/**
 * What the dashboard shows lives in the URL fragment (`#site=…&period=…&filter=…`), so a
 * view can be bookmarked and shared, and never reaches a server log. The read key may
 * arrive there too (`#key=…`); it is split off here and never written back.
 */

import { FILTER_DIMENSIONS, INTERVALS, PERIODS, type StatsData } from '@liveinsight/contract';

export { FILTER_DIMENSIONS, INTERVALS, PERIODS };
export type PresetPeriod = (typeof PERIODS)[number];
export type Period = PresetPeriod | 'custom';

export const DEFAULT_PERIOD: PresetPeriod = '7d';

export type Interval = (typeof INTERVALS)[number];

export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];

export interface Filter {
  dimension: FilterDimension;
  value: string;
}

export interface ViewState {
  site?: string;
  period: Period;
  /** `YYYY-MM-DD`, only with period `custom`. */
  from?: string;
  to?: string;
  interval?: Interval;
  filter?: Filter;
}

export interface ParsedFragment {
  state: ViewState;
  /** A read key handed over in the link; the caller stores it and rewrites the URL without it. */
  key?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(value: string | null): value is string {
  return value !== null && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

function oneOf<T extends string>(list: readonly T[], value: string | null): value is T {
  return value !== null && (list as readonly string[]).includes(value);
}

/** Reads `dimension:value`; the value may itself contain colons (`page:/a:b`). */
export function parseFilter(text: string | null): Filter | undefined {
  if (!text) return undefined;
  const colon = text.indexOf(':');
  if (colon < 1) return undefined;
  const dimension = text.slice(0, colon);
  if (!oneOf(FILTER_DIMENSIONS, dimension)) return undefined;
  return { dimension, value: text.slice(colon + 1) };
}

export function filterParam(filter: Filter): string {
  return `${filter.dimension}:${filter.value}`;
}

/** Anything unreadable in the fragment falls back to the default rather than failing. */
export function parseFragment(hash: string): ParsedFragment {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: ViewState = { period: DEFAULT_PERIOD };
  const site = params.get('site')?.trim();
  if (site) state.site = site;

  const period = params.get('period');
  const from = params.get('from');
  const to = params.get('to');
  if (oneOf(PERIODS, period)) {
    state.period = period;
  } else if ((period === 'custom' || period === null) && isDate(from) && isDate(to)) {
    state.period = 'custom';
    [state.from, state.to] = from <= to ? [from, to] : [to, from];
  }

  const interval = params.get('interval');
  if (oneOf(INTERVALS, interval)) state.interval = interval;
  const filter = parseFilter(params.get('filter'));
  if (filter) state.filter = filter;

  const key = params.get('key')?.trim();
  return key ? { state, key } : { state };
}

/** The fragment for a state, without `#` and never with the key. Defaults are left out. */
export function serializeFragment(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.site) params.set('site', state.site);
  if (state.period === 'custom' && state.from && state.to) {
    params.set('period', 'custom');
    params.set('from', state.from);
    params.set('to', state.to);
  } else if (state.period !== 'custom' && state.period !== DEFAULT_PERIOD) {
    params.set('period', state.period);
  }
  if (state.interval) params.set('interval', state.interval);
  if (state.filter) params.set('filter', filterParam(state.filter));
  return params.toString();
}

/**
 * The query string for GET /api/stats. With `offered` (the intervals an answer for this
 * window and filter listed), an interval not among them is left out; without, the
 * requested one is asked for and the answer says what it allows.
 */
export function statsQuery(
  state: ViewState & { site: string },
  extra: Record<string, string> = {},
  offered?: readonly Interval[],
): URLSearchParams {
  const params = new URLSearchParams({ site_id: state.site });
  if (state.period === 'custom' && state.from && state.to) {
    params.set('from', state.from);
    params.set('to', state.to);
  } else {
    params.set('period', state.period === 'custom' ? DEFAULT_PERIOD : state.period);
  }
  if (state.interval && (!offered || offered.includes(state.interval))) params.set('interval', state.interval);
  if (state.filter) params.set('filter', filterParam(state.filter));
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params;
}

/**
 * The bucket sizes worth offering, as the API lists them in an answer's `meta.intervals`
 * (it knows its own limits and what a filter allows); none before an answer arrived.
 */
export function offeredIntervals(stats: Pick<StatsData, 'meta'> | undefined): Interval[] {
  return stats ? [...stats.meta.intervals] : [];
}

/** Whether two views ask for the same window and filter, so that one's answer tells the other's intervals. */
export function sameWindow(a: ViewState, b: ViewState): boolean {
  return serializeFragment({ ...a, interval: undefined }) === serializeFragment({ ...b, interval: undefined });
}

/**
 * `offered` is what an answer for the resulting window listed; an interval not in it is
 * dropped. Without it (no answer yet, or the window changed) the requested interval stays
 * until an answer says otherwise.
 */
export function withChanges(state: ViewState, changes: Partial<ViewState>, offered?: readonly Interval[]): ViewState {
  const next: ViewState = { ...state, ...changes };
  for (const name of Object.keys(changes) as (keyof ViewState)[]) {
    if (changes[name] === undefined) delete next[name];
  }
  if (next.period !== 'custom') {
    delete next.from;
    delete next.to;
  }
  if (next.interval && offered && !offered.includes(next.interval)) delete next.interval;
  return next;
}
