/**
 * What the dashboard shows lives in the URL fragment, so a view can be bookmarked and
 * shared, and never reaches a server log. The read key may arrive there too (`#key=…`);
 * it is split off here and never written back.
 *
 * The fragment, as URLSearchParams writes it (each value percent-encoded, so `&`, `#`,
 * `,`, spaces and any other character in a value stay inside its parameter):
 *
 *   site=<site id>
 *   period=today|24h|28d|30d|91d|month|last_month|12mo|year|all   (7d, the default, is left out)
 *   period=custom&from=YYYY-MM-DD&to=YYYY-MM-DD   (both days included)
 *   interval=hour|day
 *   filter=<chip>   once per chip, in the order the chips show; combined with AND
 *
 * A chip is `[op]<dimension>:<value>`:
 *   op         none for `is`, `!` for `is not`, `~` for `contains`
 *   dimension  page, entry_page, exit_page, referrer, utm_source, utm_medium, utm_campaign,
 *              country, browser, os, device, event, or `prop:<key>` for a custom property,
 *              the key percent-encoded (encodeURIComponent) so that a `:` in it cannot end it
 *   value      everything after that colon, as typed (it may hold colons of its own)
 *
 * So one `is` chip is `filter=page:/pricing`, the single filter of older dashboards: their
 * links open as that chip, and a view with one `is` chip still opens in them.
 */

import { CHIP_MARKS, CHIP_OPERATORS, chipOperator, FILTER_DIMENSIONS, INTERVALS, PERIODS, REALTIME_FILTER_DIMENSIONS, type Breakdowns, type ChipOperator, type StatsData, type StatsFilter } from '@liveinsight/contract';

export { FILTER_DIMENSIONS, INTERVALS, PERIODS };
export type PresetPeriod = (typeof PERIODS)[number];
export type Period = PresetPeriod | 'custom';

export const DEFAULT_PERIOD: PresetPeriod = '7d';

export type Interval = (typeof INTERVALS)[number];

/** The dimensions GET /api/stats filters on (`filter=<dimension>:<value>`). */
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];

/** Every dimension a chip may name: the API's ten, the entry and exit page, and any custom property. */
export const DIMENSIONS = ['page', 'entry_page', 'exit_page', ...FILTER_DIMENSIONS.filter((d) => d !== 'page')] as const;
export type NamedDimension = (typeof DIMENSIONS)[number];
export const PROPS_PREFIX = 'event:props:';
export type Dimension = NamedDimension | `event:props:${string}`;

/** The operators a chip offers, spelled as POST /api/v2/query spells them. */
export const OPERATORS = CHIP_OPERATORS;
export type Operator = ChipOperator;

/** The dimension whose values each breakdown lists: a click on a row adds an `is` chip on it. */
export const DIMENSION_OF: Readonly<Record<keyof Breakdowns, NamedDimension>> = {
  pages: 'page',
  entry_pages: 'entry_page',
  exit_pages: 'exit_page',
  referrers: 'referrer',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  browsers: 'browser',
  os: 'os',
  devices: 'device',
  countries: 'country',
  events: 'event',
};

export interface Filter {
  dimension: Dimension;
  op: Operator;
  value: string;
}

export interface ViewState {
  site?: string;
  period: Period;
  /** `YYYY-MM-DD`, only with period `custom`. */
  from?: string;
  to?: string;
  interval?: Interval;
  /** The chips, combined with AND; left out when there are none. */
  filters?: Filter[];
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

export function propKey(dimension: Dimension): string | undefined {
  return dimension.startsWith(PROPS_PREFIX) ? dimension.slice(PROPS_PREFIX.length) : undefined;
}

/** Reads one chip (`[op]<dimension>:<value>`, see the top of this file); undefined when it is not one. */
export function parseFilter(text: string | null): Filter | undefined {
  if (!text) return undefined;
  const chip = chipOperator(text);
  const { op } = chip;
  let { rest } = chip;
  let colon = rest.indexOf(':');
  let dimension: Dimension;
  if (rest.slice(0, colon) === 'prop') {
    rest = rest.slice(colon + 1);
    colon = rest.indexOf(':');
    let key: string;
    try {
      key = decodeURIComponent(rest.slice(0, colon));
    } catch {
      return undefined;
    }
    if (colon < 1 || !key) return undefined;
    dimension = `${PROPS_PREFIX}${key}`;
  } else {
    const name = rest.slice(0, colon);
    if (colon < 1 || !oneOf(DIMENSIONS, name)) return undefined;
    dimension = name;
  }
  const value = rest.slice(colon + 1);
  // GET /api/stats refused an empty value, and a chip matching "nothing typed" says nothing.
  return value ? { dimension, op, value } : undefined;
}

/** Whether GET /api/realtime can take every chip: each on a dimension a live session holds. */
export function onLiveSessions(filters: readonly Filter[]): boolean {
  return filters.every((f) => (REALTIME_FILTER_DIMENSIONS as readonly string[]).includes(f.dimension));
}

export function filterParam(filter: Filter): string {
  const key = propKey(filter.dimension);
  return `${CHIP_MARKS[filter.op]}${key === undefined ? filter.dimension : `prop:${encodeURIComponent(key)}`}:${filter.value}`;
}

/**
 * The one filter GET /api/stats takes for these chips, when it answers them (its rollups,
 * the fast path): none, or one `is` chip on a dimension its `filter` names. Any other set
 * goes to POST /api/v2/query.
 */
export function statsFilter(filters: readonly Filter[] | undefined): { filter: StatsFilter | null } | undefined {
  if (!filters?.length) return { filter: null };
  const [only] = filters;
  if (filters.length === 1 && only!.op === 'is' && oneOf(FILTER_DIMENSIONS, only!.dimension)) {
    return { filter: { dimension: only!.dimension, value: only!.value } };
  }
  return undefined;
}

/**
 * The chips with one more. An identical chip is not added twice, and a new `is` replaces
 * an `is` on the same dimension: an event has one page, a visit one country, so two of
 * them combined with AND would match nothing.
 */
export function withFilter(filters: readonly Filter[] | undefined, added: Filter): Filter[] {
  const list = filters ?? [];
  const same = (f: Filter) => f.dimension === added.dimension && f.op === added.op && (f.value === added.value || f.op === 'is');
  const at = list.findIndex(same);
  return at < 0 ? [...list, added] : list.map((f, i) => (i === at ? added : f));
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
  const filters = params.getAll('filter').map(parseFilter).filter((f): f is Filter => f !== undefined);
  if (filters.length) state.filters = filters;

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
  for (const filter of state.filters ?? []) params.append('filter', filterParam(filter));
  return params.toString();
}

/**
 * The query string for GET /api/stats. With `offered` (the intervals an answer for this
 * window and filter listed), an interval not among them is left out; without, the
 * requested one is asked for and the answer says what it allows. Chips it cannot take
 * (statsFilter) are left out: those views ask POST /api/v2/query.
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
  const filter = statsFilter(state.filters)?.filter;
  if (filter) params.set('filter', `${filter.dimension}:${filter.value}`);
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
  if (!next.filters?.length) delete next.filters;
  if (next.interval && offered && !offered.includes(next.interval)) delete next.interval;
  return next;
}
