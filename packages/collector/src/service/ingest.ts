/**
 * POST /api/events: validate → enrich → store raw → commit sessions → count.
 *
 * Exactly-once counting without transactions rests on the write order:
 *   1. raw events (plain puts keyed by the event itself: a retry overwrites, never adds);
 *   2. per session, ONE conditional UpdateItem that adds the event ids to the session's
 *      seen-set only if none is there yet, together with the session's new state. This is
 *      the idempotency gate: an event is counted by the request whose commit took it;
 *   3. the rollup increments that follow from (events, session before the commit).
 * A failure in 1 or 2 leaves nothing counted for the sessions not committed: the 503 makes
 * the tracker retry and those commits happen then. A failure in 3 leaves committed events
 * whose increments did not all land: the ones that failed are parked on their session
 * (`pend_*`), and the retry (or any later request for that session) claims and applies
 * them. Whatever the error (an outage or a bug), what committed is counted or parked
 * before it is raised: the retry finds those events already seen. See docs/collector.md
 * for the full argument and its one residual window.
 */
import { randomUUID } from 'node:crypto';
import type { EventsData } from '../api-types.js';
import { BadRequestError, StorageUnavailableError } from '../errors.js';
import { settleLimit } from '../lib/concurrency.js';
import { shortHash } from '../lib/hash.js';
import { DAY_MS } from '../lib/time.js';
import { onStoreReset } from '../store/client.js';
import { eventKey, putRawEvents, type RawEventItem } from '../store/events-store.js';
import { isOutage } from '../store/failures.js';
import { FAMILY, OTHER, splitBucketPk, totalKeys, visitorPk } from '../store/keys.js';
import { claimPending, commitSession, savePending, type SessionItem } from '../store/sessions-store.js';
import { putDeltas } from '../store/deltas-store.js';
import { claimVisitorMarker, registerSite, sortKeyOf, type Increment } from '../store/stats-store.js';
import { clientAddress, clientInfo, countryCode, fileTime, pageInfo, referrerHost } from './enrich.js';
import {
  contribution,
  kindOf,
  sessionKey,
  planCommit,
  visitorIncrements,
  type CommitContext,
  type CountedEvent,
  type Sender,
  type SessionDims,
  type VisitorDay,
} from './session-math.js';
import { healthIncrements, recordHealthQuietly } from './health.js';
import { collapse } from './rollup-flush.js';
import { assertSomeValid, LIMITS, parseEventsBody, REASON, type RejectedEvent, type ValidEvent } from './validate.js';
import { visitorDayTtl, visitorHash, warmSalts } from './visitors.js';

export interface RequestContext {
  receivedAt: number;
  userAgent: string;
  /** X-Forwarded-For (first hop wins) and API Gateway's source address. */
  forwardedFor?: string | undefined;
  sourceIp?: string | undefined;
  /** CloudFront-Viewer-Country. */
  country?: string | undefined;
  /** The request carried a valid X-API-Key: a backfill, trusted with its timestamps. */
  trusted: boolean;
}

/** Raw events are kept for a day after their time; older ones (backfill) are only counted. */
export const RAW_EVENT_TTL_MS = DAY_MS;
const COMMIT_CONCURRENCY = 16;
const COMMIT_ATTEMPTS = 5;

export async function ingest(body: string, ctx: RequestContext): Promise<EventsData> {
  const parsed = parseEventsBody(body);
  if (!parsed.events.length) {
    await recordHealthQuietly(healthIncrements(ctx.receivedAt, { rejected: parsed.rejected }));
    assertSomeValid(parsed);
  }
  return ingestEvents(parsed.events, ctx, { sentAt: parsed.sentAt, rejected: parsed.rejected });
}

/** The browser behind a request, as the collector sees it. */
export interface SenderHeaders {
  userAgent: string;
  forwardedFor?: string | undefined;
  sourceIp?: string | undefined;
  country?: string | undefined;
}

export function senderOf(headers: SenderHeaders): Sender & { bot: boolean } {
  const client = clientInfo(headers.userAgent);
  return {
    userAgent: headers.userAgent,
    address: clientAddress(headers.forwardedFor, headers.sourceIp),
    br: client.browser,
    os: client.os,
    dev: client.device,
    cc: countryCode(headers.country),
    bot: client.bot,
  };
}

/** Counts the validated events of one request (≤ 50 events, one sender). */
export async function ingestEvents(
  events: readonly ValidEvent[],
  ctx: RequestContext,
  options: { sentAt?: number | undefined; rejected?: RejectedEvent[] } = {},
): Promise<EventsData> {
  const sender = senderOf(ctx);
  return ingestBatch(
    events.map((event) => ({ event, sender })),
    { receivedAt: ctx.receivedAt, trusted: ctx.trusted, sentAt: options.sentAt },
    options.rejected,
  );
}

export interface BatchEntry {
  event: ValidEvent;
  sender: Sender & { bot: boolean };
}

/**
 * Counts validated events, each with its own sender. A request is one batch; an import
 * (and the bench's seeding) passes thousands of events of many browsers at once, and the
 * rollups then collapse across all of them. Same rules, same writes, same order.
 */
export async function ingestBatch(
  entries: readonly BatchEntry[],
  ctx: { receivedAt: number; trusted: boolean; sentAt?: number | undefined },
  alreadyRejected: readonly RejectedEvent[] = [],
): Promise<EventsData> {
  const rejected = [...alreadyRejected];
  // Bots are answered like anyone, so that they learn nothing; only ingestion health sees them.
  const bots = entries.filter((e) => e.sender.bot).map((e) => e.event);
  const humans = entries.filter((e) => !e.sender.bot);
  if (!humans.length) {
    await recordHealthQuietly(healthIncrements(ctx.receivedAt, { bots, rejected }));
    return { accepted: 0, duplicates: 0, rejected: publicRejections(rejected) };
  }
  const commitContext: CommitContext = { receivedAt: ctx.receivedAt, trusted: ctx.trusted };

  const counted: CountedEvent[] = [];
  const raw: RawEventItem[] = [];
  for (const { event, sender } of humans) {
    const filed = fileTime(event.timestamp, ctx.sentAt, ctx.receivedAt, ctx.trusted);
    if (!filed.ok) {
      rejected.push({ index: event.index, code: 'too_old', reason: REASON.too_old, siteId: event.siteId });
      continue;
    }
    const eventId = event.eventId ?? randomUUID();
    const page = pageInfo(event.pageUrl);
    counted.push({
      index: event.index,
      kind: kindOf(event.eventType),
      eventType: event.eventType,
      siteId: event.siteId,
      sessionId: sessionKey(event.siteId, event.sessionId),
      idHash: shortHash(eventId),
      time: filed.time,
      page,
      referrerHost: referrerHost(event.referrer, page.host, event.siteId),
      props: event.props,
      sender,
    });
    if (filed.time + RAW_EVENT_TTL_MS > ctx.receivedAt) raw.push(rawItem(event, eventId, filed.time, sender.userAgent, ctx.receivedAt));
  }
  if (!counted.length) {
    await recordHealthQuietly(healthIncrements(ctx.receivedAt, { bots, rejected }));
    throw new BadRequestError(`events[${rejected[0]!.index}]: ${rejected[0]!.reason}`);
  }

  await Promise.all([...new Set(counted.map((e) => e.siteId))].map((site) => registerSite(site, ctx.receivedAt)));
  // Before the gate: a salt that cannot be read fails the request while nothing is counted.
  await warmSalts(counted.filter((e) => e.kind === 'pageview').map((e) => e.time), ctx.receivedAt);
  await putRawEvents(raw);

  const groups = groupBySession(counted);
  const commits = await settleLimit(groups, COMMIT_CONCURRENCY, (group) => commitGroup(group, commitContext));

  const work: SessionWork[] = [];
  let accepted = 0;
  let duplicates = 0;
  let commitFailed: unknown;
  commits.forEach((outcome, i) => {
    if (outcome.status === 'rejected') {
      commitFailed ??= outcome.reason;
      return;
    }
    const result = outcome.value;
    if (result.failure) commitFailed ??= result.failure;
    accepted += result.committed.length + result.skipped.length;
    duplicates += result.duplicates.length;
    for (const e of result.full ?? []) rejected.push({ index: e.index, code: 'session_full', reason: REASON.session_full, siteId: e.siteId });
    work.push({ group: groups[i]!, result, increments: [], pending: [] });
  });
  if (commitFailed) {
    const cause = (commitFailed as { cause?: unknown }).cause;
    console.error(JSON.stringify({ level: 'error', msg: 'session commits failed', error: String(commitFailed), cause: String(cause ?? '') }));
  }

  // Past the gate: whatever fails from here on, the sessions that committed are counted
  // or parked before any error is raised (their retry is a duplicate and counts nothing).
  const counting = await settleLimit(work, COMMIT_CONCURRENCY, (w) => countSession(w, ctx.receivedAt));
  const countFailed = counting.find((outcome) => outcome.status === 'rejected')?.reason;
  const health = healthIncrements(ctx.receivedAt, {
    accepted: work.flatMap((w) => [...w.result.committed, ...w.result.skipped]),
    duplicates: work.flatMap((w) => w.result.duplicates),
    bots,
    rejected,
  });
  const buffered = await bufferCollapsed(work, health);
  const failure = commitFailed ?? countFailed ?? buffered.failure;

  const parked = work.filter((w) => w.pending.length);
  if (parked.length || failure) {
    const token = `pend_${randomUUID().slice(0, 8)}` as const;
    await Promise.all(
      parked.map((w) =>
        savePending(w.group.sessionId, token, JSON.stringify(w.pending)).catch((error: unknown) => {
          // The residual window: the store failed between the rollups and this write. Logged for operators.
          console.error(JSON.stringify({ level: 'error', msg: 'could not park increments', session: w.group.sessionId, error: String(error) }));
        }),
      ),
    );
    // A bug stays a 500 (the tracker retries it too); only an outage is a 503.
    if (failure && !isOutage(failure)) throw failure;
    throw new StorageUnavailableError(
      `Storage is unavailable (${buffered.failed ? 'rollup delta not written' : 'some sessions not committed'}); please retry`,
    );
  }
  return { accepted, duplicates, rejected: publicRejections(rejected) };
}

function publicRejections(rejected: RejectedEvent[]): EventsData['rejected'] {
  return rejected.map(({ index, reason }) => ({ index, reason })).sort((a, b) => a.index - b.index);
}

function rawItem(event: ValidEvent, eventId: string, time: number, userAgent: string, receivedAt: number): RawEventItem {
  return {
    session_key: sessionKey(event.siteId, event.sessionId),
    event_key: eventKey(event.timestamp ?? receivedAt, eventId),
    event_id: eventId,
    event_type: event.eventType,
    site_id: event.siteId,
    page_url: event.pageUrl,
    referrer: event.referrer,
    user_agent: userAgent.slice(0, 512),
    time,
    received_at: receivedAt,
    ...(event.props.length ? { props: Object.fromEntries(event.props) } : {}),
    screen: event.screen,
    language: event.language,
    ttl: Math.floor((time + RAW_EVENT_TTL_MS) / 1000),
  };
}

interface SessionGroup {
  siteId: string;
  sessionId: string;
  events: CountedEvent[];
}

function groupBySession(events: readonly CountedEvent[]): SessionGroup[] {
  const groups = new Map<string, SessionGroup>();
  for (const event of events) {
    let group = groups.get(event.sessionId);
    if (!group) {
      group = { siteId: event.siteId, sessionId: event.sessionId, events: [] };
      groups.set(event.sessionId, group);
    }
    group.events.push(event);
  }
  return [...groups.values()];
}

interface CommitResult {
  committed: CountedEvent[];
  duplicates: CountedEvent[];
  /** Events past the session's limit (LIMITS.sessionEvents): refused. */
  full?: CountedEvent[];
  /** Engagement events of a session that does not exist: stored, nothing to count. */
  skipped: CountedEvent[];
  old: SessionItem | undefined;
  /** Increments a failed request parked on this session (`pend_*` attributes seen). */
  parked: `pend_${string}`[];
  /** Set when a later part of a long session's commit failed after earlier parts were committed. */
  failure?: unknown;
}

/** Event ids per session commit: keeps the condition expression far below DynamoDB's 4 KB. */
const MAX_EVENTS_PER_COMMIT = 50;

/** Commits a session's events, in time order and at most 50 per write (an import may bring hundreds). */
async function commitGroup(group: SessionGroup, ctx: CommitContext): Promise<CommitResult> {
  const sorted = [...group.events].sort((a, b) => a.time - b.time || a.index - b.index);
  const total: CommitResult = { committed: [], duplicates: [], skipped: [], old: undefined, parked: [] };
  const parts: CommitResult[] = [];
  for (let i = 0; i < sorted.length; i += MAX_EVENTS_PER_COMMIT) {
    try {
      parts.push(await commitEvents(group.sessionId, sorted.slice(i, i + MAX_EVENTS_PER_COMMIT), ctx));
    } catch (error) {
      // What earlier parts committed must still be counted; the rest comes with the retry.
      if (!parts.some((p) => p.committed.length)) throw error;
      total.failure = error;
      break;
    }
  }
  if (parts.length === 1 && !total.failure) return parts[0]!;
  // Counted as one: the state before the first part, and what all parts committed.
  const first = parts.find((p) => p.committed.length);
  total.old = first?.old ?? parts[0]!.old;
  total.parked = [...new Set(parts.flatMap((p) => p.parked))];
  for (const part of parts) {
    total.committed.push(...part.committed);
    total.duplicates.push(...part.duplicates);
    (total.full ??= []).push(...(part.full ?? []));
    total.skipped.push(...part.skipped);
  }
  return total;
}

async function commitEvents(sessionId: string, events: CountedEvent[], ctx: CommitContext): Promise<CommitResult> {
  const duplicates: CountedEvent[] = [];
  // The same event twice in one request counts once.
  const byHash = new Map<string, CountedEvent>();
  for (const event of events) {
    if (byHash.has(event.idHash)) duplicates.push(event);
    else byHash.set(event.idHash, event);
  }
  let pending = [...byHash.values()];
  const full: CountedEvent[] = [];
  let latest = true;
  let lastSeen: SessionItem | undefined;
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS && pending.length; attempt++) {
    const commit = planCommit(pending, latest, ctx);
    const outcome = await commitSession(commit);
    if (outcome.committed) {
      return { committed: pending, duplicates, full, skipped: [], old: outcome.old, parked: parkedOf(outcome.old) };
    }
    const current = outcome.current;
    lastSeen = current;
    if (!current && commit.requireExisting) return { committed: [], duplicates, full, skipped: pending, old: undefined, parked: [] };
    const seen = current?.seen ?? new Set<string>();
    duplicates.push(...pending.filter((e) => seen.has(e.idHash)));
    pending = pending.filter((e) => !seen.has(e.idHash));
    // A full session takes no more events (the latest are refused).
    const room = Math.max(0, LIMITS.sessionEvents - seen.size);
    if (pending.length > room) {
      full.push(...pending.slice(room));
      pending = pending.slice(0, room);
    }
    // A later activity is stored already: this commit must not move the session back in time.
    latest = !(current?.last_activity !== undefined && current.last_activity > commit.lastActivity);
  }
  if (pending.length) throw new StorageUnavailableError(`Session ${sessionId} kept changing; please retry`);
  return { committed: [], duplicates, full, skipped: [], old: lastSeen, parked: parkedOf(lastSeen) };
}

function parkedOf(item: SessionItem | undefined): `pend_${string}`[] {
  return item ? (Object.keys(item).filter((key) => key.startsWith('pend_')) as `pend_${string}`[]) : [];
}

/** One unit of parked work: increments, or a visitor lookup with the increments it unlocks. */
type Parked = { i: Increment[] } | { m: string; ttl: number; i: Increment[] };

interface SessionWork {
  group: SessionGroup;
  result: CommitResult;
  /** Increments this request applies for the session. */
  increments: Increment[];
  /** What could not be applied and is parked on the session. */
  pending: Parked[];
}

/** Visitor markers already created by this process (they only ever go from absent to present). */
const knownMarkers = new Set<string>();
onStoreReset(() => knownMarkers.clear());

async function claimMarker(pk: string, ttl: number, now: number): Promise<boolean> {
  if (knownMarkers.has(pk)) return false;
  // Claimed before the write: a second session of the same visitor in this process gets false.
  knownMarkers.add(pk);
  if (knownMarkers.size > 100_000) knownMarkers.delete(knownMarkers.values().next().value!);
  try {
    return await claimVisitorMarker(pk, ttl, now);
  } catch (error) {
    knownMarkers.delete(pk);
    throw error;
  }
}

async function countSession(work: SessionWork, receivedAt: number): Promise<void> {
  const { group, result } = work;
  if (result.committed.length) {
    const counted = contribution(result.committed, result.old);
    work.increments.push(...counted.increments);
    const sender = result.committed[0]!.sender;
    await Promise.all(counted.visitorDays.map((visit) => countVisitor(work, visit, sender, receivedAt, counted.dims)));
  }
  for (const attribute of result.parked) {
    let payload: string | undefined;
    try {
      payload = await claimPending(group.sessionId, attribute);
    } catch {
      continue; // Still parked (the claim did not happen); the next request for this session tries again.
    }
    if (!payload) continue;
    for (const parked of JSON.parse(payload) as Parked[]) {
      if ('m' in parked) await applyParkedVisitor(work, parked, receivedAt);
      else work.increments.push(...parked.i);
    }
  }
}

async function countVisitor(work: SessionWork, visit: VisitorDay, sender: Sender, receivedAt: number, dims: SessionDims): Promise<void> {
  const increments = visitorIncrements(work.group.siteId, work.group.sessionId, visit, dims);
  let marker: string | undefined;
  const ttl = visitorDayTtl(visit.day, receivedAt);
  try {
    const hash = await visitorHash(visit.day, work.group.siteId, sender.address, sender.userAgent, receivedAt);
    marker = visitorPk(work.group.siteId, visit.day, hash);
    if (await claimMarker(marker, ttl, receivedAt)) work.increments.push(...increments);
  } catch (error) {
    // Without its marker (the salt, warmed before the gate, was lost) the visit cannot be parked.
    if (!marker) throw error;
    work.pending.push({ m: marker, ttl, i: increments });
  }
}

async function applyParkedVisitor(work: SessionWork, parked: { m: string; ttl: number; i: Increment[] }, now: number): Promise<void> {
  try {
    if (await claimMarker(parked.m, parked.ttl, now)) work.increments.push(...parked.i);
  } catch {
    work.pending.push(parked);
  }
}

/**
 * The invariant the stats cache rests on (store/day-cache.ts): every write to a day
 * bucket also changes that day's `total` item. Nearly every increment already comes with
 * one; the exceptions (a page view followed, in a later request, on another day; the
 * bounce of an entry page on another day than the session start) get a `w` tick.
 */
function touchDayTotals(increments: Increment[]): Increment[] {
  const touched = new Set(increments.filter((i) => i.family === FAMILY.total).map((i) => i.pk));
  const ticks: Increment[] = [];
  for (const { pk } of increments) {
    if (touched.has(pk) || !pk.includes('#D#')) continue;
    touched.add(pk);
    ticks.push({ pk, family: FAMILY.total, parts: [totalKeys()[0]!], add: { w: 1 } });
  }
  return ticks.length ? [...increments, ...ticks] : increments;
}

/** Distinct property items one request may write; past it a property counts as `prop#{name}#(other)#(other)`. */
export const PROP_ITEMS_PER_REQUEST = 200;

/**
 * Bounds the writes one small request can cause: 50 events × 30 properties would
 * otherwise be 1,500 items, each a write (three when over the day's cap).
 */
function propLimiter(): (increment: Increment) => Increment {
  const items = new Set<string>();
  return (increment) => {
    if (increment.family !== FAMILY.prop) return increment;
    const key = `${increment.pk}\n${sortKeyOf(increment)}`;
    if (items.has(key)) return increment;
    if (items.size < PROP_ITEMS_PER_REQUEST) {
      items.add(key);
      return increment;
    }
    return { ...increment, parts: [increment.parts[0] ?? '', OTHER, OTHER] };
  };
}

/**
 * Collapses every session's increments to one ADD per item and writes them as this
 * request's rollup delta, one item per site (the flusher folds deltas into the rollups:
 * rollup-flush.ts). What the store did not take (a whole delta, or one of the items of a
 * very large one) is parked on one of the site's sessions. Returns how many sites failed,
 * and the first error that was not an outage.
 */
async function bufferCollapsed(work: SessionWork[], health: Increment[]): Promise<{ failed: number; failure?: unknown }> {
  const limitProps = propLimiter();
  const bySite = new Map<string, { increments: Increment[]; owners: SessionWork[] }>();
  const site = (siteId: string) => {
    let entry = bySite.get(siteId);
    if (!entry) bySite.set(siteId, (entry = { increments: [], owners: [] }));
    return entry;
  };
  for (const w of work) {
    const entry = site(w.group.siteId);
    entry.owners.push(w);
    for (const increment of touchDayTotals(w.increments)) entry.increments.push(limitProps(increment));
  }
  for (const increment of health) site(splitBucketPk(increment.pk).site).increments.push(increment);
  let failed = 0;
  let failure: unknown;
  await Promise.all(
    [...bySite].map(async ([siteId, entry]) => {
      const written = await putDeltas(siteId, collapse(entry.increments));
      failure ??= written.failure;
      const unwritten = written.unwritten;
      if (!unwritten.length) return;
      failed++;
      // Parked on a session that exists (whoever claims them applies them once); with none
      // to hold them (a request of health counts only), they are lost, as health counts may be.
      entry.owners.find((o) => o.result.committed.length || o.result.old)?.pending.push({ i: unwritten });
    }),
  );
  return { failed, failure };
}
