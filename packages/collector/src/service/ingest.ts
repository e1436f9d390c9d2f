/**
 * POST /api/events: validate → enrich → put on the events stream → answer.
 *
 * The request does no counting: it turns its events into stream records (one per
 * session, partitioned by the session's key; stream/record.ts) and answers once the
 * stream holds them, durably. The consumer (aggregate.ts) counts them, exactly once
 * however often a record is delivered. So a request killed at any point either put its
 * records or did not: the client's retry puts them (again), and the consumer's gate, the
 * session's seen-set, counts each event once. Nothing counted can be lost between an
 * idempotency gate and the counts: both are the consumer's, and it resumes from its
 * checkpoint.
 */
import { randomUUID } from 'node:crypto';
import type { EventsData } from '@liveinsight/contract';
import { BadRequestError } from '../errors.js';
import { dayLabel } from '../lib/time.js';
import { eventsStream } from '../stream/events-stream.js';
import { encodeRecord, RECORD_VERSION, type StreamEvent } from '../stream/record.js';
import { clientAddress, clientInfo, countryCode, fileTime, pageInfo } from './enrich.js';
import { droppedIncrements, healthIncrements, recordHealthQuietly, type DropReason } from './health.js';
import { withinClientBound } from './client-bound.js';
import { hostAllowed } from './settings.js';
import { resolveSites, type RegisteredSite } from './site-registry.js';
import type { Sender } from './session-math.js';
import { sessionKey } from '../store/sessions-store.js';
import { REASON } from '@liveinsight/contract';
import { assertSomeValid, parseEventsBody, type RejectedEvent, type ValidEvent } from './validate.js';
import { clientHash, visitorHash } from './visitors.js';

export interface RequestContext extends Trust {
  receivedAt: number;
  userAgent: string;
  /** X-Forwarded-For (first hop wins) and API Gateway's source address. */
  forwardedFor?: string | undefined;
  sourceIp?: string | undefined;
  /** CloudFront-Viewer-Country. */
  country?: string | undefined;
}

/** What the sender's key lets a batch do. */
export interface Trust {
  /** The request carried a key with the backfill scope: trusted with its timestamps. */
  trusted: boolean;
  /** With `trusted`: the sites the key may backfill (null or absent: every site). */
  backfillSites?: ReadonlySet<string> | null;
  /** The request carried a valid key: it is told about events stored nowhere (a script's mistake). */
  keyed?: boolean;
}

/** A batch: when it arrived, the client's clock, and its trust. */
export interface BatchContext extends Trust {
  receivedAt: number;
  sentAt?: number | undefined;
}

export async function ingest(body: string, ctx: RequestContext): Promise<EventsData> {
  const parsed = parseEventsBody(body);
  if (!parsed.events.length) {
    const sites = await resolveSites(siteIdsOf(parsed.rejected), ctx.receivedAt, false);
    await recordHealthQuietly(healthIncrements(ctx.receivedAt, { rejected: forKnownSites(parsed.rejected, sites) }));
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

/** Puts the validated events of one request (≤ 50 events, one sender) on the stream. */
export async function ingestEvents(
  events: readonly ValidEvent[],
  ctx: RequestContext,
  options: { sentAt?: number | undefined; rejected?: RejectedEvent[] } = {},
): Promise<EventsData> {
  const sender = senderOf(ctx);
  return ingestBatch(
    events.map((event) => ({ event, sender })),
    { receivedAt: ctx.receivedAt, sentAt: options.sentAt, trusted: ctx.trusted, backfillSites: ctx.backfillSites ?? null, keyed: ctx.keyed ?? false },
    options.rejected,
  );
}

export interface BatchEntry {
  event: ValidEvent;
  sender: Sender & { bot: boolean };
}

/**
 * Puts validated events on the stream, each with its own sender. A request is one batch;
 * an import (and the bench's seeding) passes thousands of events of many browsers at once.
 * `accepted` counts the events put on the stream; `duplicates` the events sent twice in
 * this batch (a retry of an earlier request is found by the consumer, and shows in the
 * ingestion health).
 *
 * Events for a site nobody registered, or from a page whose hostname the site does not
 * allow, are stored nowhere and counted once for the deployment (never per site id, so
 * that junk ids create no work). An anonymous sender is answered as if they were taken,
 * and learns nothing; a keyed one (a backfill, an import) finds them in `rejected`.
 */
export async function ingestBatch(entries: readonly BatchEntry[], ctx: BatchContext, alreadyRejected: readonly RejectedEvent[] = []): Promise<EventsData> {
  const sites = await resolveSites([...entries.map((e) => e.event.siteId), ...siteIdsOf(alreadyRejected)], ctx.receivedAt);
  const rejected = forKnownSites(alreadyRejected, sites);
  const dropped: Record<DropReason, number> = { unknown_site: 0, foreign_host: 0, client_bound: 0 };
  let answeredAsTaken = 0;
  const admitted = entries.filter(({ event, sender }) => {
    const site = sites.get(event.siteId);
    const reason: DropReason | undefined = !site
      ? 'unknown_site'
      : // A backfill may leave page_url out; its key vouches for the site.
        !(ctx.trusted && !event.pageUrl) && !hostAllowed(site.settings.hostnames, pageInfo(event.pageUrl).host)
        ? 'foreign_host'
        : !ctx.trusted && !sender.bot && !withinClientBound(sender.address, event.siteId, sender.userAgent, ctx.receivedAt)
          ? 'client_bound'
          : undefined;
    if (reason) {
      dropped[reason]++;
      if (ctx.keyed) rejected.push({ index: event.index, code: reason, reason: REASON[reason], siteId: undefined });
      else answeredAsTaken++;
      return false;
    }
    if (ctx.trusted && ctx.backfillSites && !ctx.backfillSites.has(event.siteId)) {
      rejected.push({ index: event.index, code: 'site_not_allowed', reason: REASON.site_not_allowed, siteId: event.siteId });
      return false;
    }
    return true;
  });
  // Bots are answered like anyone, so that they learn nothing; only ingestion health sees them.
  const bots = admitted.filter((e) => e.sender.bot).map((e) => e.event);
  const sessions = new Map<string, StreamEvent[]>();
  const ids = new Set<string>();
  const duplicates: ValidEvent[] = [];
  const hashes = new Map<string, Promise<string>>();
  const hashOf = (day: string, site: string, sender: Sender) => {
    const key = `${day}\n${site}\n${sender.address}\n${sender.userAgent}`;
    let hash = hashes.get(key);
    if (!hash) hashes.set(key, (hash = visitorHash(day, site, sender.address, sender.userAgent, ctx.receivedAt)));
    return hash;
  };
  const clients = new Map<string, Promise<string>>();
  const clientOf = (day: string, site: string, sender: Sender) => {
    const key = `${day}\n${site}\n${sender.address}`;
    let hash = clients.get(key);
    if (!hash) clients.set(key, (hash = clientHash(day, site, sender.address, ctx.receivedAt)));
    return hash;
  };
  let accepted = 0;
  for (const { event, sender } of admitted) {
    if (sender.bot) continue;
    const filed = fileTime(event.timestamp, ctx.sentAt, ctx.receivedAt, ctx.trusted);
    if (!filed.ok) {
      rejected.push({ index: event.index, code: 'too_old', reason: REASON.too_old, siteId: event.siteId });
      continue;
    }
    const key = sessionKey(event.siteId, event.sessionId);
    const id = event.eventId ?? randomUUID();
    if (ids.has(`${key}\n${id}`)) {
      duplicates.push(event);
      continue;
    }
    ids.add(`${key}\n${id}`);
    let list = sessions.get(key);
    if (!list) sessions.set(key, (list = []));
    list.push({
      v: RECORD_VERSION,
      site: event.siteId,
      session: event.sessionId,
      id,
      type: event.eventType,
      time: filed.time,
      received: ctx.receivedAt,
      url: event.pageUrl,
      ref: event.referrer,
      ...(event.props.length ? { props: Object.fromEntries(event.props) } : {}),
      ...(event.screen !== undefined ? { screen: event.screen } : {}),
      ...(event.language !== undefined ? { language: event.language } : {}),
      br: sender.br,
      os: sender.os,
      dev: sender.dev,
      cc: sender.cc,
      vh: await hashOf(dayLabel(filed.time), event.siteId, sender),
      ch: await clientOf(dayLabel(filed.time), event.siteId, sender),
      ...(ctx.trusted ? { trusted: true as const } : {}),
    });
    accepted++;
  }
  const health = () =>
    recordHealthQuietly([...healthIncrements(ctx.receivedAt, { bots, rejected, duplicates }), ...droppedIncrements(ctx.receivedAt, dropped)]);
  if (!accepted && !bots.length && !duplicates.length && !answeredAsTaken) {
    await health();
    throw new BadRequestError(`events[${rejected[0]!.index}]: ${rejected[0]!.reason}`);
  }
  if (accepted) await eventsStream().put([...sessions].map(([key, list]) => encodeRecord(key, list)));
  await health();
  return { accepted: accepted + answeredAsTaken, duplicates: duplicates.length, rejected: publicRejections(rejected) };
}

const siteIdsOf = (rejected: readonly RejectedEvent[]): string[] => rejected.flatMap((r) => (r.siteId ? [r.siteId] : []));

/** Rejections keep their site for health only where the site exists: no counters for junk ids. */
function forKnownSites(rejected: readonly RejectedEvent[], sites: ReadonlyMap<string, RegisteredSite | undefined>): RejectedEvent[] {
  return rejected.map((r) => (r.siteId && sites.get(r.siteId) ? r : { ...r, siteId: undefined }));
}

function publicRejections(rejected: RejectedEvent[]): EventsData['rejected'] {
  return rejected.map(({ index, reason }) => ({ index, reason })).sort((a, b) => a.index - b.index);
}
