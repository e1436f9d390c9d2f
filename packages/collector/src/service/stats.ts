/**
 * GET /api/stats: everything is summed from rollup items — hour totals, day buckets —
 * never from raw events and never by a Scan, so the cost of an answer depends on the
 * window and on how many distinct values the site has (capped per day), not on traffic.
 */
import {
  DIRECT,
  intervalChoices,
  MAX_HOURLY_DAYS,
  OTHER,
  VALUE_BREAKDOWNS,
  type Approximation,
  type BreakdownRow,
  type Breakdowns,
  type EventRow,
  type IngestionHealth,
  type IngestionHealthDay,
  type LateValue,
  type StatsData,
  type StatsSection,
  type TimeseriesPoint,
  type Totals,
} from '@liveinsight/contract';
import { bucketStarts, DAY_MS, dayLabel, floorTo, HOUR_MS, iso } from '../lib/time.js';
import { dayPk, FAMILY, hourPk, LATE_ATTRIBUTE, METRIC, parseSortKey, sortKey, totalKeys } from '../store/keys.js';
import { readDayPartitions } from '../store/day-cache.js';
import { getItems, queryPartitions, type StatsItem } from '../store/stats-store.js';
import { HEALTH_METRIC, HEALTH_REASON_PREFIX } from './health.js';
import { countedUntil } from '../store/progress-store.js';
import { compareWindow, resolveStatsWindow, type StatsQuery } from './validate.js';

/** Rows per breakdown; the rest are folded into (other). */
export const TOP_ROWS = 100;

interface Counts {
  pv: number;
  vi: number;
  se: number;
  bo: number;
  du: number;
  ev: number;
}

const zero = (): Counts => ({ pv: 0, vi: 0, se: 0, bo: 0, du: 0, ev: 0 });
const num = (item: StatsItem | undefined, attribute: string): number => Number(item?.[attribute] ?? 0);

function addCounts(into: Counts, from: Counts): void {
  into.pv += from.pv;
  into.vi += from.vi;
  into.se += from.se;
  into.bo += from.bo;
  into.du += from.du;
  into.ev += from.ev;
}

function countsOf(item: StatsItem): Counts {
  return {
    pv: num(item, METRIC.pageviews),
    vi: num(item, METRIC.visitors),
    se: num(item, METRIC.sessions),
    bo: num(item, METRIC.bounces),
    du: num(item, METRIC.durationMs),
    ev: num(item, METRIC.events),
  };
}

function totalsOf(c: Counts): Totals {
  return {
    pageviews: c.pv,
    visitors: c.vi,
    sessions: c.se,
    bounce_rate: c.se > 0 ? Math.round(Math.min(1, Math.max(0, c.bo / c.se)) * 10_000) / 10_000 : 0,
    avg_duration_s: c.se > 0 ? Math.round(c.du / 10 / c.se) / 100 : 0,
    events: c.ev,
  };
}

const isTotal = (item: StatsItem) => parseSortKey(item.sk).family === FAMILY.total;

type Filter = NonNullable<StatsQuery['filter']>;

/** What part of an item matches the filter, as the counts it contributes; undefined when it does not match. */
function filteredCounts(item: StatsItem, filter: Filter): Counts | undefined {
  const { family, parts } = parseSortKey(item.sk);
  const c = countsOf(item);
  const v = filter.value;
  switch (filter.dimension) {
    case 'page':
      // Sessions that entered on the page; its bounces are theirs.
      return family === FAMILY.page && parts[0] === v ? { ...c, se: num(item, METRIC.entries), du: 0, ev: 0 } : undefined;
    case 'referrer':
      return family === FAMILY.source && (parts[0] || DIRECT) === v ? c : undefined;
    case 'utm_source':
      return family === FAMILY.source && parts[1] === v ? c : undefined;
    case 'utm_medium':
      return family === FAMILY.source && parts[2] === v ? c : undefined;
    case 'utm_campaign':
      return family === FAMILY.source && parts[3] === v ? c : undefined;
    case 'browser':
      return family === FAMILY.tech && parts[0] === v ? c : undefined;
    case 'os':
      return family === FAMILY.tech && parts[1] === v ? c : undefined;
    case 'device':
      return family === FAMILY.tech && parts[2] === v ? c : undefined;
    case 'country':
      return family === FAMILY.country && parts[0] === v.toUpperCase() ? c : undefined;
    case 'event':
      // Unique sessions that sent the event stand in for visitors and sessions.
      return family === FAMILY.event && parts[0] === v ? { pv: 0, vi: c.vi, se: c.vi, bo: 0, du: 0, ev: c.ev } : undefined;
  }
}

/** The narrowest sort-key prefix that holds every item a filter can match. */
function filterPrefix(filter: Filter): string {
  switch (filter.dimension) {
    case 'page':
      return sortKey(FAMILY.page, filter.value);
    case 'country':
      return sortKey(FAMILY.country, filter.value.toUpperCase());
    case 'event':
      return sortKey(FAMILY.event, filter.value);
    case 'browser':
    case 'os':
    case 'device':
      return `${FAMILY.tech}#`;
    default:
      return `${FAMILY.source}#`;
  }
}


function sumItems(items: readonly StatsItem[], filter: Filter | null): Counts {
  const sum = zero();
  for (const item of items) {
    const c = filter ? filteredCounts(item, filter) : isTotal(item) ? countsOf(item) : undefined;
    if (c) addCounts(sum, c);
  }
  return sum;
}

class Reader {
  itemsRead = 0;

  async dayPartitions(site: string, days: number[]): Promise<Map<number, StatsItem[]>> {
    const read = await readDayPartitions(days.map((d) => dayPk(site, d)));
    this.itemsRead += read.itemsRead;
    return new Map(days.map((day) => [day, read.items.get(dayPk(site, day)) ?? []]));
  }

  /** Only the items of each day whose sort key starts with `prefix` (the filtered previous period). */
  async dayPrefixes(site: string, days: number[], prefix: string): Promise<Map<number, StatsItem[]>> {
    const byPk = await queryPartitions(days.map((d) => dayPk(site, d)), prefix);
    const out = new Map<number, StatsItem[]>();
    for (const day of days) {
      const items = byPk.get(dayPk(site, day)) ?? [];
      this.itemsRead += items.length;
      out.set(day, items);
    }
    return out;
  }

  /** Summed `total` items per bucket start. */
  async totals(site: string, starts: number[], unit: 'hour' | 'day'): Promise<Map<number, Counts>> {
    const pkOf = unit === 'hour' ? hourPk : dayPk;
    const keys = starts.flatMap((start) => totalKeys().map((sk) => ({ pk: pkOf(site, start), sk })));
    const items = await getItems(keys);
    this.itemsRead += items.length;
    const byPk = new Map<string, Counts>();
    for (const item of items) {
      const counts = byPk.get(item.pk) ?? zero();
      addCounts(counts, countsOf(item));
      byPk.set(item.pk, counts);
    }
    return new Map(starts.map((start) => [start, byPk.get(pkOf(site, start)) ?? zero()]));
  }
}

export async function getStats(query: StatsQuery, now: number): Promise<StatsData> {
  const { from, to, interval: requested } = resolveStatsWindow(query, now);
  const { siteId: site, filter } = query;
  const counted = await countedUntil(now).catch(() => null);
  const span = to - from;
  const dayAligned = from % DAY_MS === 0 && to % DAY_MS === 0;
  const approximations: Approximation[] = [];
  const approx = (field: string, reason: string) => approximations.push({ field, reason });

  // Filtered numbers live only in day buckets.
  const interval = filter ? 'day' : requested;
  if (filter && requested === 'hour') approx('timeseries', 'Filtered numbers are kept per UTC day, so the time series is daily.');
  const useHours = !filter && (interval === 'hour' || !dayAligned) && span <= MAX_HOURLY_DAYS * DAY_MS;
  const days = bucketStarts(from, to, DAY_MS);
  const compare = compareWindow(query.compare, from, to);
  const previousDays = bucketStarts(compare.from, compare.to, DAY_MS);
  if (!useHours && !dayAligned) {
    const reason = `Counted per whole UTC day: ${dayLabel(days[0]!)} to ${dayLabel(days[days.length - 1]!)}, wider than the requested window.`;
    approx('totals', reason);
    approx('timeseries', reason);
    approx('previous', reason);
  }

  const reader = new Reader();
  const hours = useHours ? bucketStarts(from, to, HOUR_MS) : [];
  const [dayItems, hourTotals, previous] = await Promise.all([
    reader.dayPartitions(site, days),
    useHours ? reader.totals(site, hours, 'hour') : Promise.resolve(new Map<number, Counts>()),
    previousCounts(reader, site, filter, useHours && compare.from % HOUR_MS === 0 && compare.to % HOUR_MS === 0, compare.from, compare.to, previousDays),
  ]);

  let totals: Counts;
  let timeseries: TimeseriesPoint[];
  if (useHours) {
    totals = zero();
    for (const counts of hourTotals.values()) addCounts(totals, counts);
    timeseries = series(hourTotals, interval, now);
  } else {
    const perDay = new Map(days.map((day) => [day, sumItems(dayItems.get(day) ?? [], filter)]));
    totals = zero();
    for (const counts of perDay.values()) addCounts(totals, counts);
    timeseries = series(perDay, 'day', now);
  }

  if (span > DAY_MS || !dayAligned) {
    const reason = 'Visitors are unique per UTC day: over several days, a visitor who returns on another day is counted again.';
    if (days.length > 1) {
      approx('totals.visitors', reason);
      approx('previous.visitors', reason);
    }
  }
  if (interval === 'hour') approx('timeseries.visitors', 'Each visitor is counted in the hour of their first page view of the UTC day.');
  if (filter?.dimension === 'page') {
    for (const section of ['totals', 'previous']) {
      approx(`${section}.avg_duration_s`, 'Session duration is not kept per page (0 here).');
      approx(`${section}.events`, 'Custom events are not kept per page (0 here).');
    }
  }
  if (filter?.dimension === 'event') {
    for (const section of ['totals', 'previous']) {
      approx(`${section}.pageviews`, 'Page views, bounces and duration are not kept per event (0 here).');
      approx(`${section}.visitors`, 'Unique sessions that sent the event, not unique visitors.');
    }
  }

  const { breakdowns, otherFolded } = buildBreakdowns([...dayItems.values()].flat());
  const late = lateValues([...dayItems.values()].flat());
  if (late.length) {
    approx('breakdowns', `${late.length === LATE_VALUES ? 'Some' : late.length} values got their own row late in their day; their earlier counts are in (other) (meta.late_values).`);
  }
  approx('breakdowns.pages.visitors', 'Unique sessions that viewed the page, not unique visitors.');
  approx('breakdowns.exit_pages.visitors', 'Sessions that ended on the page, not unique visitors.');
  if (!dayAligned) {
    approx(
      'breakdowns',
      `Breakdowns are kept per UTC day: they cover ${dayLabel(days[0]!)} to ${dayLabel(days[days.length - 1]!)}, wider than the requested window.`,
    );
  }

  const bucketUnit = useHours ? HOUR_MS : DAY_MS;
  const filling = now >= from && now < to;
  const sections: StatsSection[] = ['totals', 'previous', 'timeseries', 'breakdowns'];
  const data: StatsData = {
    site_id: site,
    period: query.period,
    from: iso(from),
    to: iso(to),
    interval,
    filter,
    totals: totalsOf(totals),
    previous: totalsOf(previous),
    timeseries,
    breakdowns,
    meta: {
      compare: { mode: compare.mode, from: iso(compare.from), to: iso(compare.to) },
      generated_at: iso(now),
      timezone: 'UTC',
      bucket: useHours ? 'hour' : 'day',
      exact: Object.fromEntries(
        sections.map((s) => [s, !approximations.some((a) => a.field === s || a.field.startsWith(`${s}.`))]),
      ) as Record<StatsSection, boolean>,
      approximations,
      current_bucket_filling: filling,
      filling_bucket: filling ? iso(floorTo(now, bucketUnit)) : null,
      other_folded: otherFolded,
      late_values: late,
      intervals: intervalChoices(span, filter !== null),
      filtered: { totals: filter !== null, previous: filter !== null, timeseries: filter !== null, breakdowns: false },
      items_read: reader.itemsRead,
      counted_until: counted === null ? null : iso(counted),
    },
  };
  if (query.includeHealth) data.health = healthOf(days, dayItems);
  return data;
}

async function previousCounts(
  reader: Reader,
  site: string,
  filter: Filter | null,
  useHours: boolean,
  from: number,
  to: number,
  days: number[],
): Promise<Counts> {
  const sum = zero();
  if (useHours) {
    for (const counts of (await reader.totals(site, bucketStarts(from, to, HOUR_MS), 'hour')).values()) addCounts(sum, counts);
  } else if (!filter) {
    for (const counts of (await reader.totals(site, days, 'day')).values()) addCounts(sum, counts);
  } else {
    for (const items of (await reader.dayPrefixes(site, days, filterPrefix(filter))).values()) addCounts(sum, sumItems(items, filter));
  }
  return sum;
}

function series(buckets: Map<number, Counts>, interval: 'hour' | 'day', now: number): TimeseriesPoint[] {
  const unit = interval === 'hour' ? HOUR_MS : DAY_MS;
  const grouped = new Map<number, Counts>();
  for (const [start, counts] of buckets) {
    if (start > now) continue;
    const key = floorTo(start, unit);
    const into = grouped.get(key) ?? zero();
    addCounts(into, counts);
    grouped.set(key, into);
  }
  return [...grouped]
    .sort(([a], [b]) => a - b)
    .map(([t, c]) => ({ t: iso(t), pageviews: c.pv, visitors: c.vi, sessions: c.se, events: c.ev }));
}

type Tally = Map<string, { pageviews: number; visitors: number }>;

function tally(map: Tally, value: string, pageviews: number, visitors: number): void {
  if (!pageviews && !visitors) return;
  const row = map.get(value) ?? { pageviews: 0, visitors: 0 };
  row.pageviews += pageviews;
  row.visitors += visitors;
  map.set(value, row);
}

/** Sorted rows, the top ones kept and the rest folded into (other), which always comes last. */
function topRows(map: Tally): { rows: BreakdownRow[]; folded: boolean } {
  const other = map.get(OTHER) ?? { pageviews: 0, visitors: 0 };
  const rows = [...map]
    .filter(([value]) => value !== OTHER)
    .map(([value, r]) => ({ value, ...r }))
    .sort((a, b) => b.pageviews - a.pageviews || b.visitors - a.visitors || (a.value < b.value ? -1 : 1));
  for (const row of rows.slice(TOP_ROWS)) {
    other.pageviews += row.pageviews;
    other.visitors += row.visitors;
  }
  const kept = rows.slice(0, TOP_ROWS);
  const folded = rows.length > TOP_ROWS || map.has(OTHER);
  if (other.pageviews || other.visitors) kept.push({ value: OTHER, ...other });
  return { rows: kept, folded };
}

function buildBreakdowns(items: readonly StatsItem[]): { breakdowns: Breakdowns; otherFolded: boolean } {
  const maps = Object.fromEntries(VALUE_BREAKDOWNS.map((n) => [n, new Map()])) as Record<(typeof VALUE_BREAKDOWNS)[number], Tally>;
  const events = new Map<string, { count: number; props: Map<string, { key: string; value: string; count: number }> }>();
  const eventOf = (name: string) => {
    let e = events.get(name);
    if (!e) events.set(name, (e = { count: 0, props: new Map() }));
    return e;
  };
  for (const item of items) {
    const { family, parts } = parseSortKey(item.sk);
    const pv = num(item, METRIC.pageviews);
    const vi = num(item, METRIC.visitors);
    switch (family) {
      case FAMILY.page: {
        const path = parts[0] ?? '';
        tally(maps.pages, path, pv, vi);
        tally(maps.entry_pages, path, num(item, METRIC.entries), num(item, METRIC.entryVisitors));
        const exits = Math.max(0, pv - num(item, METRIC.continues));
        tally(maps.exit_pages, path, exits, exits);
        break;
      }
      case FAMILY.source: {
        const [ref = '', us = '', um = '', uc = ''] = parts;
        tally(maps.referrers, ref || DIRECT, pv, vi);
        if (us) tally(maps.utm_source, us, pv, vi);
        if (um) tally(maps.utm_medium, um, pv, vi);
        if (uc) tally(maps.utm_campaign, uc, pv, vi);
        break;
      }
      case FAMILY.tech: {
        const [browser = '', os = '', device = ''] = parts;
        tally(maps.browsers, browser, pv, vi);
        tally(maps.os, os, pv, vi);
        tally(maps.devices, device, pv, vi);
        break;
      }
      case FAMILY.country:
        tally(maps.countries, parts[0] ?? '', pv, vi);
        break;
      case FAMILY.event:
        eventOf(parts[0] ?? '').count += num(item, METRIC.events);
        break;
      case FAMILY.prop: {
        const [name = '', key = '', value = ''] = parts;
        const props = eventOf(name).props;
        const id = `${key}\n${value}`;
        const row = props.get(id) ?? { key, value, count: 0 };
        row.count += num(item, METRIC.events);
        props.set(id, row);
        break;
      }
    }
  }
  let otherFolded = false;
  const breakdowns = {} as Breakdowns;
  for (const name of VALUE_BREAKDOWNS) {
    const { rows, folded } = topRows(maps[name]);
    breakdowns[name] = rows;
    otherFolded ||= folded;
  }
  const eventRows: EventRow[] = [...events]
    .filter(([, e]) => e.count > 0)
    .map(([value, e]) => {
      const props = [...e.props.values()].filter((p) => p.count > 0).sort((a, b) => b.count - a.count || (a.key + a.value < b.key + b.value ? -1 : 1));
      return { value, count: e.count, props: props.slice(0, TOP_ROWS) };
    })
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  // Capped names and those past the top rows make one (other) row, always last.
  const named = eventRows.filter((e) => e.value !== OTHER);
  const keptEvents = named.slice(0, TOP_ROWS);
  const restCount = named.slice(TOP_ROWS).reduce((sum, e) => sum + e.count, 0) + (eventRows.find((e) => e.value === OTHER)?.count ?? 0);
  if (restCount) keptEvents.push({ value: OTHER, count: restCount, props: [] });
  breakdowns.events = keptEvents;
  return { breakdowns, otherFolded: otherFolded || restCount > 0 };
}

const LATE_VALUES = 50;

/** Where each family's late row shows first, and its value there. */
const LATE_SHOWN: Partial<Record<string, (parts: string[]) => [LateValue['breakdown'], string]>> = {
  [FAMILY.page]: (p) => ['pages', p[0] ?? ''],
  [FAMILY.source]: (p) => ['referrers', p[0] || DIRECT],
  [FAMILY.tech]: (p) => ['browsers', p[0] ?? ''],
  [FAMILY.country]: (p) => ['countries', p[0] ?? ''],
  [FAMILY.event]: (p) => ['events', p[0] ?? ''],
  [FAMILY.prop]: (p) => ['events', `${p[0] ?? ''} ${p[1] ?? ''}=${p[2] ?? ''}`],
};

function lateValues(items: readonly StatsItem[]): LateValue[] {
  const late: { at: number; row: LateValue }[] = [];
  for (const item of items) {
    const at = item[LATE_ATTRIBUTE];
    if (typeof at !== 'number') continue;
    const { family, parts } = parseSortKey(item.sk);
    const shown = LATE_SHOWN[family]?.(parts);
    if (shown) late.push({ at, row: { breakdown: shown[0], value: shown[1], admitted_at: iso(at) } });
  }
  return late
    .sort((a, b) => a.at - b.at)
    .slice(0, LATE_VALUES)
    .map((l) => l.row);
}

function healthOf(days: number[], dayItems: Map<number, StatsItem[]>): IngestionHealth {
  const rows: IngestionHealthDay[] = days.map((day) => {
    const row: IngestionHealthDay = { date: dayLabel(day), accepted: 0, duplicates: 0, bots: 0, rejected: 0, rejected_by_reason: {} };
    for (const item of (dayItems.get(day) ?? []).filter(isTotal)) {
      row.accepted += num(item, HEALTH_METRIC.accepted);
      row.duplicates += num(item, HEALTH_METRIC.duplicates);
      row.bots += num(item, HEALTH_METRIC.bots);
      row.rejected += num(item, HEALTH_METRIC.rejected);
      for (const [attribute, value] of Object.entries(item)) {
        if (!attribute.startsWith(HEALTH_REASON_PREFIX)) continue;
        const reason = attribute.slice(HEALTH_REASON_PREFIX.length);
        row.rejected_by_reason[reason] = (row.rejected_by_reason[reason] ?? 0) + Number(value);
      }
    }
    return row;
  });
  const totals = { accepted: 0, duplicates: 0, bots: 0, rejected: 0, rejected_by_reason: {} as Record<string, number> };
  for (const row of rows) {
    totals.accepted += row.accepted;
    totals.duplicates += row.duplicates;
    totals.bots += row.bots;
    totals.rejected += row.rejected;
    for (const [reason, n] of Object.entries(row.rejected_by_reason)) totals.rejected_by_reason[reason] = (totals.rejected_by_reason[reason] ?? 0) + n;
  }
  return { days: rows, totals };
}
