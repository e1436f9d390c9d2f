/**
 * How a session's events turn into session state and rollup increments. Pure: given the
 * events committed and the session as it was before, the increments follow, so that
 * each metric is an addition and buckets sum.
 *
 * - sessions +1 when the session item is created; bounces +1 while the session has one
 *   page view and no custom event, −1 when that stops being true; duration adds the gap
 *   since the previous activity (gaps over 30 minutes are idle time, not duration).
 *   These go to the bucket where the session started.
 * - page views, custom events and properties go to the bucket of the event.
 * - visitors +1 per site and UTC day, when the day's visitor marker is created.
 */
import { shortHash } from '../lib/hash.js';
import { dayLabel, minuteOfHour } from '../lib/time.js';
import { dayPk, FAMILY, hourPk, METRIC, totalKey, type Family } from '../store/keys.js';
import { activeKey, type SessionCommit, type SessionItem } from '../store/sessions-store.js';
import { IncrementSet, type Increment } from '../store/increments.js';
import { BACKFILL_WINDOW_MS, type PageInfo } from './enrich.js';
import { LIMITS, SESSION_IDLE_MS } from '@liveinsight/contract';
import type { PropValue } from './validate.js';

export type EventKind = 'pageview' | 'engagement' | 'custom';

/** An event after validation and enrichment, ready to be counted. */
export interface CountedEvent {
  index: number;
  kind: EventKind;
  eventType: string;
  siteId: string;
  /** The session's key (sessionKey): the tracker's session id and the site. */
  sessionId: string;
  /** Hash of the event id: what the session's seen-set holds. */
  idHash: string;
  /** Filed time, ms. */
  time: number;
  page: PageInfo;
  referrerHost: string;
  props: [string, PropValue][];
  /** Who sent it: the browser's User-Agent and address (for the visitor hash) and what they tell. */
  sender: Sender;
}

export interface Sender {
  userAgent: string;
  address: string;
  br: string;
  os: string;
  dev: string;
  cc: string;
}

/** What a session is counted under, fixed by its first event. */
export interface SessionDims {
  src: string;
  us: string;
  um: string;
  uc: string;
  br: string;
  os: string;
  dev: string;
  cc: string;
}

/** Gaps longer than this are idle time, not session duration. */
export const IDLE_MS = SESSION_IDLE_MS;
/** A session is in the ActivityIndex while its last activity is this recent. */
export const ACTIVE_MS = SESSION_IDLE_MS;
/** Live sessions are remembered (the idempotency gate) for two days: retries come within minutes. */
export const LIVE_SESSION_TTL_MS = 2 * 86_400_000;

export function kindOf(eventType: string): EventKind {
  return eventType === 'page_view' ? 'pageview' : eventType === 'engagement' ? 'engagement' : 'custom';
}

const byTime = (a: CountedEvent, b: CountedEvent) => a.time - b.time || a.index - b.index;

export interface CommitContext {
  receivedAt: number;
  trusted: boolean;
}

/** The session write for these events (sorted by time): the gate, first-sight fields, latest activity. */
export function planCommit(events: readonly CountedEvent[], latest: boolean, ctx: CommitContext): SessionCommit {
  const sorted = [...events].sort(byTime);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const views = sorted.filter((e) => e.kind === 'pageview');
  const customs = sorted.filter((e) => e.kind === 'custom');
  const firstView = views[0];
  const lastView = views[views.length - 1];
  const live = last.time >= ctx.receivedAt - ACTIVE_MS;
  // A backfilled session is remembered as long as its events could be sent again (400 days).
  const ttlMs = ctx.trusted ? Math.max(last.time + BACKFILL_WINDOW_MS, ctx.receivedAt + LIVE_SESSION_TTL_MS) : ctx.receivedAt + LIVE_SESSION_TTL_MS;
  return {
    sessionId: first.sessionId,
    seen: [...new Set(sorted.map((e) => e.idHash))],
    setIfMissing: {
      site_id: first.siteId,
      start_time: first.time,
      src: first.referrerHost,
      us: first.page.utmSource,
      um: first.page.utmMedium,
      uc: first.page.utmCampaign,
      br: first.sender.br,
      os: first.sender.os,
      dev: first.sender.dev,
      cc: first.sender.cc,
      entry_page: firstView?.page.path,
      entry_time: firstView?.time,
    },
    setIfLatest: {
      last_activity: last.time,
      exit_page: lastView?.page.path,
      exit_time: lastView?.time,
      vday: lastView ? dayLabel(lastView.time) : undefined,
      ttl: Math.floor(ttlMs / 1000),
    },
    activeKey: live ? activeKey(first.siteId, first.sessionId) : null,
    add: { pv: views.length, ce: customs.length },
    addToSets: {
      pg: [...new Set(views.map((e) => shortHash(e.page.path, 8)))],
      evn: [...new Set(customs.map((e) => shortHash(e.eventType, 8)))],
    },
    lastActivity: last.time,
    latest,
    requireExisting: views.length === 0 && customs.length === 0,
    now: ctx.receivedAt,
    maxSeen: LIMITS.sessionEvents,
  };
}

export function dimsOf(old: SessionItem | undefined, first: CountedEvent): SessionDims {
  return {
    src: old?.src ?? first.referrerHost,
    us: old?.us ?? first.page.utmSource,
    um: old?.um ?? first.page.utmMedium,
    uc: old?.uc ?? first.page.utmCampaign,
    br: old?.br ?? first.sender.br,
    os: old?.os ?? first.sender.os,
    dev: old?.dev ?? first.sender.dev,
    cc: old?.cc ?? first.sender.cc,
  };
}

/** A day on which this batch brings the session's first page view: the visitor may be new that day. */
export interface VisitorDay {
  day: string;
  /** Time of the first page view of the batch on that day (its hour gets the visitor). */
  time: number;
  /** The session's entry page, when that entry happens in this batch on this day. */
  entry?: { path: string; time: number };
}

export interface Contribution {
  increments: Increment[];
  visitorDays: VisitorDay[];
  dims: SessionDims;
}

/** The three session-dimension items (source, tech, country) of a day bucket. */
function addToDims(set: IncrementSet, pk: string, dims: SessionDims, metric: string, amount: number): void {
  set.add(pk, FAMILY.source, [dims.src, dims.us, dims.um, dims.uc], metric, amount);
  set.add(pk, FAMILY.tech, [dims.br, dims.os, dims.dev], metric, amount);
  set.add(pk, FAMILY.country, [dims.cc], metric, amount);
}

function addToTotals(set: IncrementSet, siteId: string, sessionId: string, time: number, metric: string, amount: number, minute = false): void {
  const sk = totalKey(sessionId);
  set.add(hourPk(siteId, time), FAMILY.total, [sk], metric, amount);
  set.add(dayPk(siteId, time), FAMILY.total, [sk], metric, amount);
  if (minute) set.add(hourPk(siteId, time), FAMILY.total, [sk], `m${minuteOfHour(time)}`, amount);
}

/** The increments of events just committed to a session that was `old` before. */
export function contribution(events: readonly CountedEvent[], old: SessionItem | undefined): Contribution {
  const sorted = [...events].sort(byTime);
  const first = sorted[0]!;
  const { siteId, sessionId } = first;
  const set = new IncrementSet();
  const dims = dimsOf(old, first);
  const views = sorted.filter((e) => e.kind === 'pageview');
  const customs = sorted.filter((e) => e.kind === 'custom');
  const start = old?.start_time ?? first.time;
  const startDay = dayPk(siteId, start);
  const session = (metric: string, amount: number) => {
    addToTotals(set, siteId, sessionId, start, metric, amount);
    addToDims(set, startDay, dims, metric, amount);
  };

  if (!old) session(METRIC.sessions, 1);

  const entry = old?.entry_page !== undefined ? { path: old.entry_page, time: old.entry_time ?? start } : views[0] && { path: views[0].page.path, time: views[0].time };
  const oldViews = old?.pv ?? 0;
  const oldCustoms = old?.ce ?? 0;
  const wasBounce = Boolean(old) && oldViews === 1 && oldCustoms === 0;
  const isBounce = oldViews + views.length === 1 && oldCustoms + customs.length === 0;
  const bounceDelta = Number(isBounce) - Number(wasBounce);
  if (bounceDelta) {
    session(METRIC.bounces, bounceDelta);
    if (entry) set.add(dayPk(siteId, entry.time), FAMILY.page, [entry.path], METRIC.bounces, bounceDelta);
  }

  let previous = old?.last_activity;
  let duration = 0;
  for (const { time } of sorted) {
    if (previous === undefined) previous = time;
    else if (time > previous) {
      if (time - previous <= IDLE_MS) duration += time - previous;
      previous = time;
    }
  }
  if (duration) session(METRIC.durationMs, duration);

  const pagesSeen = new Set(old?.pg ?? []);
  for (const view of views) {
    const pk = dayPk(siteId, view.time);
    addToTotals(set, siteId, sessionId, view.time, METRIC.pageviews, 1, true);
    addToDims(set, pk, dims, METRIC.pageviews, 1);
    set.add(pk, FAMILY.page, [view.page.path], METRIC.pageviews, 1);
    const hash = shortHash(view.page.path, 8);
    if (!pagesSeen.has(hash)) {
      pagesSeen.add(hash);
      set.add(pk, FAMILY.page, [view.page.path], METRIC.visitors, 1);
    }
  }
  const newEntry = old?.entry_page === undefined ? views[0] : undefined;
  if (newEntry) set.add(dayPk(siteId, newEntry.time), FAMILY.page, [newEntry.page.path], METRIC.entries, 1);

  // Exit pages are page views no other page view followed: count the ones that were followed.
  const exitTime = old?.exit_time;
  const late = exitTime === undefined ? [] : views.filter((v) => v.time < exitTime);
  const onward = exitTime === undefined ? views : views.filter((v) => v.time >= exitTime);
  for (const view of late) set.add(dayPk(siteId, view.time), FAMILY.page, [view.page.path], METRIC.continues, 1);
  if (onward.length && old?.exit_page !== undefined && exitTime !== undefined) {
    set.add(dayPk(siteId, exitTime), FAMILY.page, [old.exit_page], METRIC.continues, 1);
  }
  for (const view of onward.slice(0, -1)) set.add(dayPk(siteId, view.time), FAMILY.page, [view.page.path], METRIC.continues, 1);

  const namesSeen = new Set(old?.evn ?? []);
  for (const custom of customs) {
    const pk = dayPk(siteId, custom.time);
    addToTotals(set, siteId, sessionId, custom.time, METRIC.events, 1);
    addToDims(set, pk, dims, METRIC.events, 1);
    set.add(pk, FAMILY.event, [custom.eventType], METRIC.events, 1);
    const hash = shortHash(custom.eventType, 8);
    if (!namesSeen.has(hash)) {
      namesSeen.add(hash);
      set.add(pk, FAMILY.event, [custom.eventType], METRIC.visitors, 1);
    }
    for (const [key, value] of custom.props) {
      set.add(pk, FAMILY.prop, [custom.eventType, key, String(value).slice(0, 200)], METRIC.events, 1);
    }
  }

  const visitorDays: VisitorDay[] = [];
  const lastVisitorDay = old?.vday ?? '';
  for (const view of views) {
    const day = dayLabel(view.time);
    if (day <= lastVisitorDay || visitorDays.some((d) => d.day === day)) continue;
    const entersHere = newEntry && dayLabel(newEntry.time) === day;
    visitorDays.push({ day, time: view.time, ...(entersHere ? { entry: { path: newEntry.page.path, time: newEntry.time } } : {}) });
  }
  return { increments: set.list(), visitorDays, dims };
}

/** The increments for a visitor found new on `day` (its marker was just created). */
export function visitorIncrements(siteId: string, sessionId: string, visit: VisitorDay, dims: SessionDims): Increment[] {
  const set = new IncrementSet();
  addToTotals(set, siteId, sessionId, visit.time, METRIC.visitors, 1);
  addToDims(set, dayPk(siteId, visit.time), dims, METRIC.visitors, 1);
  if (visit.entry) set.add(dayPk(siteId, visit.entry.time), FAMILY.page, [visit.entry.path], METRIC.entryVisitors, 1);
  return set.list();
}
