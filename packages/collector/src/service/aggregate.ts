/**
 * The stream consumer: counts the records POST /api/events put on the events stream.
 * One call is one batch of one shard (Lambda's Kinesis event source mapping, or a local
 * stand-in: stream/inline-stream.ts, local/stream-log.ts).
 *
 * Per session in the batch (its records are all in this shard, in order):
 *   1. read the session; records at or below its stream position (`lseq`) were committed
 *      by an earlier run of this batch: their increments come from its outbox (`ob`);
 *   2. the other records' events are checked against its seen-set (a client's retry sends
 *      an event twice), counted from the session as it was (session-math.ts), and the
 *      day's visitor markers claimed for this session;
 *   3. for all sessions at once, each new value gets its row or `(other)` (admission.ts);
 *   4. one conditional write stores the new state, the seen-set, the position and the
 *      outbox (the routed increments), on the condition that the position is still the
 *      one read in 1.
 * Then every session's increments, tagged with their stream position, go to the rollups
 * collapsed to one ADD per item (stats-store.ts applyTagged: per-shard markers make a
 * rerun add nothing twice), `total` items last.
 *
 * A session whose write failed is reported as the batch's failed item (its first record):
 * Lambda checkpoints before it and sends the rest again, and only increments tagged before
 * it are applied now. Any other failure throws: the whole batch is sent again.
 * docs/collector.md has the exactly-once argument.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { settleLimit } from '../lib/concurrency.js';
import { shortHash } from '../lib/hash.js';
import { dayLabel } from '../lib/time.js';
import { visitorPk, type Family } from '../store/keys.js';
import { commitSession, expireSession, getSession, isExpired, sessionKey, type SessionItem } from '../store/sessions-store.js';
import type { Caps } from '../store/keys.js';
import { applyTagged, claimVisitorMarker, type Tagged } from '../store/stats-store.js';
import { route, type Sender } from './admission.js';
import type { Increment } from '../store/increments.js';
import { saveProgress } from '../store/progress-store.js';
import { UNKNOWN } from '@liveinsight/contract';
import { clean } from '../lib/clean.js';
import { decodeRecord, type StreamEvent } from '../stream/record.js';
import { compareSequence, sequenceTag, shardOf, shardTag } from '../stream/sequence.js';
import { pageInfo, referrerHost } from './enrich.js';
import { healthIncrements } from './health.js';
import { limitProps, touchDayTotals } from './increment-rules.js';
import { contribution, kindOf, planCommit, visitorIncrements, type CountedEvent } from './session-math.js';
import { LIMITS, REASON } from '@liveinsight/contract';
import type { PropValue, RejectedEvent } from './validate.js';
import { visitorDayTtl } from './visitors.js';

const SESSION_CONCURRENCY = 16;

interface SessionRecord {
  seq: string;
  tag: string;
  events: StreamEvent[];
}

/** What one commit of the session contributes. */
interface OutboxEntry {
  /** The tag the increments are applied under: the session's last record in that commit. */
  t: string;
  /** The records it covers. */
  s: string[];
  /** Routed increments (admission.ts), with when their value was admitted where it was admitted late. */
  i: [pk: string, family: Family, parts: string[], add: Record<string, number>, late?: number][];
}

/**
 * The session's outbox: the entries of its commits in the batch being worked on. An entry
 * is dropped once a batch starts after its records: that batch only comes once the
 * earlier one is done (checkpointed), its increments applied.
 */
type Outbox = OutboxEntry[];

export interface AggregateOptions {
  /** Distinct values kept per family and day bucket (store/keys.ts DEFAULT_CAPS; admission.ts). */
  caps?: Caps;
}

export async function aggregate(event: KinesisStreamEvent, options: AggregateOptions = {}): Promise<KinesisStreamBatchResponse> {
  const records = event.Records;
  if (!records.length) return { batchItemFailures: [] };
  const shard = shardTag(shardOf(records[0]!));
  const sessions = new Map<string, SessionRecord[]>();
  let skipped = 0;
  for (const record of records) {
    const decoded = decodeRecord(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    skipped += decoded.skipped;
    const key = record.kinesis.partitionKey;
    let list = sessions.get(key);
    if (!list) sessions.set(key, (list = []));
    list.push({ seq: record.kinesis.sequenceNumber, tag: sequenceTag(record.kinesis.sequenceNumber), events: decoded.events });
  }
  // A line no reader understands cannot be counted; it must not hold the shard up either.
  if (skipped) console.error(JSON.stringify({ level: 'warn', msg: 'stream lines skipped', skipped }));

  const groups = [...sessions];
  const firstTag = sequenceTag(records[0]!.kinesis.sequenceNumber);
  const failures = new Map<number, unknown>();
  const prepared = await settleLimit(groups, SESSION_CONCURRENCY, ([key, list]) => prepareSession(key, list, firstTag));
  prepared.forEach((outcome, i) => outcome.status === 'rejected' && failures.set(i, outcome.reason));
  const fresh = prepared.flatMap((outcome, i) => (outcome.status === 'fulfilled' && outcome.value.fresh ? [{ i, ...outcome.value.fresh }] : []));
  // Values are admitted to their rows before any session commits, so that the outbox keeps the choice.
  let at = 0;
  for (const [, list] of groups) for (const r of list) for (const e of r.events) at = Math.max(at, e.received);
  const routed = await route(fresh, at, options.caps);
  const commits = await settleLimit(fresh, SESSION_CONCURRENCY, (f, j) => f.commit(routed[j]!));
  commits.forEach((outcome, j) => outcome.status === 'rejected' && failures.set(fresh[j]!.i, outcome.reason));

  let failedAt: string | undefined;
  let failure: unknown;
  for (const [i, reason] of failures) {
    const first = groups[i]![1][0]!.seq;
    if (failedAt === undefined || compareSequence(first, failedAt) < 0) {
      failedAt = first;
      failure = reason;
    }
  }
  const cutoff = failedAt === undefined ? undefined : sequenceTag(failedAt);
  // An outbox entry replayed here may be tagged beyond this batch (its session's last
  // record lies in the other half of a bisected batch). Applied now, its tag would raise
  // the markers past records of other sessions still to come in that half, whose writes
  // would then be refused as done; it waits for the batch that holds its tag, which
  // Lambda hands over only after this one, with the entry still kept.
  const lastTag = sequenceTag(records[records.length - 1]!.kinesis.sequenceNumber);
  const routedOf = new Map(fresh.map((f, j) => [f.i, { tag: f.tag, increments: routed[j]! }]));
  const contributions = prepared.flatMap((outcome, i): Tagged[] => {
    if (outcome.status === 'rejected' || failures.has(i)) return [];
    const own = routedOf.get(i);
    return [...outcome.value.replayed, ...(own ? [own] : [])].filter((c) => c.tag <= lastTag && (cutoff === undefined || c.tag < cutoff));
  });
  await applyTagged(contributions, shard);
  if (failedAt !== undefined) {
    console.error(JSON.stringify({ level: 'error', msg: 'session commit failed; the batch resumes there', seq: failedAt, error: String(failure) }));
    return { batchItemFailures: [{ itemIdentifier: failedAt }] };
  }
  const last = records[records.length - 1]!.kinesis;
  await saveProgress(shard, last.approximateArrivalTimestamp * 1000);
  return { batchItemFailures: [] };
}

/** A session's part of the batch, before its commit. */
interface PreparedSession {
  /** Entries of its outbox whose records are in this batch: committed by an earlier run, routed then. */
  replayed: Tagged[];
  /** What its fresh records contribute, to be routed (admission.ts) and then committed with the routed increments. */
  fresh?: { tag: string; increments: Increment[]; sender: Sender; commit: (routed: Increment[]) => Promise<void> };
}

/** Reads a session, and works out what its records of the batch contribute. */
async function prepareSession(key: string, records: SessionRecord[], firstTag: string): Promise<PreparedSession> {
  const received = Math.max(...records.flatMap((r) => r.events.map((e) => e.received)), 0);
  let old = await getSession(key, received, { includeExpired: true });
  if (old && isExpired(old, received)) {
    await expireSession(key, received);
    old = undefined;
  }
  const replayed: Tagged[] = [];
  // Entries of commits made at or after this batch's start: a run of this batch made them.
  const outbox = parseOutbox(old).filter((entry) => entry.t >= firstTag);
  const already = records.filter((r) => old?.lseq !== undefined && r.tag <= old.lseq);
  for (const entry of outbox) {
    if (already.some((r) => entry.s.includes(r.tag))) {
      replayed.push({ tag: entry.t, increments: entry.i.map(([pk, family, parts, add, late]) => ({ pk, family, parts, add, ...(late !== undefined ? { late } : {}) })) });
    }
  }
  const fresh = records.filter((r) => !already.includes(r));
  if (!fresh.length) return { replayed };

  const tag = fresh[fresh.length - 1]!.tag;
  const events = fresh.flatMap((r) => r.events).map((e, index) => counted(e, index));
  const seen = new Set(old?.seen ?? []);
  const accepted: CountedEvent[] = [];
  const duplicates: CountedEvent[] = [];
  const full: RejectedEvent[] = [];
  for (const e of events) {
    if (seen.has(e.idHash)) duplicates.push(e);
    else if (seen.size >= LIMITS.sessionEvents) full.push({ index: e.index, code: 'session_full', reason: REASON.session_full, siteId: e.siteId });
    else {
      seen.add(e.idHash);
      accepted.push(e);
    }
  }
  const increments: Increment[] = [];
  // Engagement alone never starts a session: without one, there is nothing to count it in.
  const starts = accepted.some((e) => e.kind !== 'engagement');
  const counting = old || starts ? accepted : [];
  const receivedAt = Math.max(...fresh.flatMap((r) => r.events.map((e) => e.received)));
  const trusted = fresh.some((r) => r.events.some((e) => e.trusted));
  if (counting.length) {
    const counted = contribution(counting, old);
    increments.push(...counted.increments);
    for (const visit of counted.visitorDays) {
      const view = counting.find((e) => e.kind === 'pageview' && dayLabel(e.time) === visit.day)!;
      const marker = visitorPk(view.siteId, visit.day, vhOf.get(view)!);
      if (await claimVisitorMarker(marker, visitorDayTtl(visit.day, receivedAt), receivedAt, key)) {
        increments.push(...visitorIncrements(view.siteId, key, visit, counted.dims));
      }
    }
  }
  const health = healthIncrements(receivedAt, { accepted, duplicates, rejected: full });
  const all = [...limitProps(touchDayTotals(increments)), ...health];
  const plan = counting.length ? planCommit(counting, !(old?.last_activity !== undefined && old.last_activity > Math.max(...counting.map((e) => e.time))), { receivedAt, trusted }) : undefined;
  // A session that does not exist and does not start here keeps nothing: there is no item
  // to hold an outbox, and nothing it contributes depends on a session or on admission
  // (only totals: a rerun computes the same).
  if (!plan && !old && !all.length) return { replayed };
  const commit = async (routed: Increment[]) => {
    if (!plan && !old) return;
    const entry: OutboxEntry = { t: tag, s: fresh.map((r) => r.tag), i: routed.map(toTuple) };
    await commitSession(plan, key, { old, lseq: tag, outbox: JSON.stringify([...outbox, entry]) });
  };
  const clients = [...new Set(fresh.flatMap((r) => r.events.map((e) => e.ch ?? e.vh)))];
  return { replayed, fresh: { tag, increments: all, sender: { clients, trusted }, commit } };
}

const toTuple = (inc: Increment): OutboxEntry['i'][number] =>
  inc.late === undefined ? [inc.pk, inc.family, inc.parts, inc.add] : [inc.pk, inc.family, inc.parts, inc.add, inc.late];

function parseOutbox(item: SessionItem | undefined): Outbox {
  if (!item?.ob) return [];
  try {
    const parsed = JSON.parse(item.ob) as Outbox;
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** The visitor hash of each counted event (taken at ingest; not part of what session-math reads). */
const vhOf = new WeakMap<CountedEvent, string>();

function counted(e: StreamEvent, index: number): CountedEvent {
  const page = pageInfo(e.url);
  const event: CountedEvent = {
    index,
    kind: kindOf(clean(e.type)),
    // Names and values become stats keys: control characters and escapes go (lib/clean.ts).
    eventType: clean(e.type) || UNKNOWN,
    siteId: e.site,
    sessionId: sessionKey(e.site, e.session),
    idHash: shortHash(e.id),
    time: e.time,
    page,
    referrerHost: referrerHost(e.ref, page.host, e.site),
    props: Object.entries(e.props ?? {}).flatMap(([key, value]): [string, PropValue][] => {
      const name = clean(key);
      return name ? [[name, typeof value === 'string' ? clean(value) : value]] : [];
    }),
    sender: { userAgent: '', address: '', br: e.br, os: e.os, dev: e.dev, cc: e.cc },
  };
  vhOf.set(event, e.vh);
  return event;
}
