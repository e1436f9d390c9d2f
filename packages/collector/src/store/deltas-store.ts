/**
 * Rollup deltas: what a request adds to the rollups, written as one item instead of one
 * UpdateItem per rollup item, and folded in later by the flusher (service/rollup-flush.ts),
 * which collapses many requests into one ADD per item. Plus the flusher's cursor, one
 * item per site, that says which deltas are folded in and which flush is under way.
 *
 *   pk `{site}#Q`, sk `{ms, 13 digits}#{random}`  a delta (`d`: JSON), expires after DELTA_TTL_MS
 *   pk `{site}#Q`, sk `~cursor`                   seq, prev, upto, open, openedAt (see the flusher)
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DAY_MS } from '../lib/time.js';
import { recordCapacity } from './capacity.js';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { isOutage, storeCall } from './failures.js';
import { deltaPk, splitBucketPk, type Family } from './keys.js';
import type { Increment } from './stats-store.js';
import { tableName } from './tables.js';

/** Far longer than any delta waits (the flusher runs every minute); TTL only tidies up. */
export const DELTA_TTL_MS = 7 * DAY_MS;
const CURSOR_SK = '~cursor';
/** Below every delta's sort key (they start with a 13-digit time). */
export const START = '0';
/** JSON characters per delta item: far below DynamoDB's 400 KB item limit. */
const MAX_DELTA_CHARS = 100_000;

/** An increment without its site (the partition says it): [bucket, family, parts, counters]. */
type StoredIncrement = [string, Family, string[], Record<string, number>];

export interface Delta {
  sk: string;
  increments: Increment[];
}

/**
 * Stamps of this process's delta writes still in flight. A flusher in this process
 * never passes them (see watermark); writes of other processes are covered by the grace.
 */
const inFlight = new Map<number, number>();

const skOf = (stamp: number, id: string): string => `${String(stamp).padStart(13, '0')}#${id}`;

/**
 * The newest time a flush may take now: deltas stamped more than `graceMs` ago, and none
 * at or after a write of this process that is still in flight. Stamps and watermark are
 * wall-clock times of the processes (not event or receive times, which tests and
 * backfills set).
 */
export function watermark(graceMs: number): number {
  // Before this millisecond: a write stamped in it may start after this call (and so not
  // be in flight yet) and land after the flush read its range.
  let bound = Date.now() - graceMs - 1;
  for (const stamp of inFlight.keys()) bound = Math.min(bound, stamp - 1);
  return bound;
}

/** The sort key bounding the deltas stamped at or before `ms`. */
export function deltaBound(ms: number): string {
  // `~` sorts after every id character: all deltas of that millisecond are in.
  return `${String(ms).padStart(13, '0')}#~`;
}

/**
 * The time up to which every delta is at or below `sk` (a bound, or a delta's own key, when
 * a backlog stopped there: deltas of that millisecond may sort after it).
 */
export function countedUntil(sk: string): number {
  const stamp = Number(sk.slice(0, 13)) || 0;
  return sk.endsWith('#~') ? stamp : Math.max(0, stamp - 1);
}

/**
 * Writes a site's increments as delta items (one, unless a request brings very long
 * values or an import thousands of items). Returns the increments of the items the store
 * did not take, for the caller to park: the others are written, and count. `failure` is
 * the first error that was not an outage, for the caller to raise once it has parked.
 */
export async function putDeltas(site: string, increments: readonly Increment[]): Promise<{ unwritten: Increment[]; failure?: unknown }> {
  const chunks: { stored: StoredIncrement[]; increments: Increment[] }[] = [];
  let chars = Infinity;
  for (const inc of increments) {
    const { site: incSite, bucket } = splitBucketPk(inc.pk);
    if (incSite !== site) throw new Error(`increment of ${incSite} in a delta of ${site}`);
    const item: StoredIncrement = [bucket, inc.family, inc.parts, inc.add];
    const size = JSON.stringify(item).length;
    if (chars + size > MAX_DELTA_CHARS) {
      chunks.push({ stored: [], increments: [] });
      chars = 0;
    }
    chunks[chunks.length - 1]!.stored.push(item);
    chunks[chunks.length - 1]!.increments.push(inc);
    chars += size;
  }
  const outcomes = await Promise.allSettled(chunks.map((chunk) => putDelta(site, JSON.stringify(chunk.stored))));
  const unwritten = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [] : chunks[i]!.increments));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected' && !isOutage(outcome.reason));
  return failure ? { unwritten, failure: (failure as PromiseRejectedResult).reason } : { unwritten };
}

async function putDelta(site: string, d: string): Promise<void> {
  // Stamped just before the write: the grace counts from here.
  const stamp = Date.now();
  inFlight.set(stamp, (inFlight.get(stamp) ?? 0) + 1);
  try {
    const output = await storeCall('rollup delta', () =>
      getDocumentClient().send(
        new PutCommand({
          TableName: tableName('stats'),
          Item: { pk: deltaPk(site), sk: skOf(stamp, randomUUID().slice(0, 12)), d, ttl: Math.floor((stamp + DELTA_TTL_MS) / 1000) },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    recordCapacity('write', output.ConsumedCapacity);
  } finally {
    const left = inFlight.get(stamp)! - 1;
    if (left) inFlight.set(stamp, left);
    else inFlight.delete(stamp);
  }
}

/**
 * Deltas with `after < sk <= upto`, oldest first: at most `limit` of them and, past the
 * first, `maxChars` of JSON. `more` says that a limit stopped the read.
 */
export async function queryDeltas(
  site: string,
  after: string,
  upto: string,
  { limit = Infinity, maxChars = Infinity }: { limit?: number; maxChars?: number } = {},
): Promise<{ deltas: Delta[]; more: boolean }> {
  const deltas: Delta[] = [];
  if (upto <= after) return { deltas, more: false };
  let chars = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const output = await storeCall('rollup delta query', () =>
      getDocumentClient().send(
        new QueryCommand({
          TableName: tableName('stats'),
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :upto',
          ExpressionAttributeValues: { ':pk': deltaPk(site), ':after': after, ':upto': upto },
          ConsistentRead: true,
          ExclusiveStartKey,
          ...(Number.isFinite(limit) ? { Limit: Math.min(1000, limit - deltas.length + 1) } : {}),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    recordCapacity('read', output.ConsumedCapacity);
    for (const item of output.Items ?? []) {
      const sk = String(item.sk);
      // BETWEEN includes `after`: that one is folded in already.
      if (sk === after) continue;
      const d = String(item.d);
      if (deltas.length >= limit || (deltas.length && chars + d.length > maxChars)) return { deltas, more: true };
      chars += d.length;
      deltas.push({ sk, increments: decode(site, d) });
    }
    ExclusiveStartKey = output.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { deltas, more: false };
}

function decode(site: string, d: string): Increment[] {
  return (JSON.parse(d) as StoredIncrement[]).map(([bucket, family, parts, add]) => ({ pk: `${site}#${bucket}`, family, parts, add }));
}

/** Deltas with `after < sk <= upto` are what flush `seq` folds in; `open` until it is done. */
export interface FlushCursor {
  seq: number;
  prev: string;
  upto: string;
  open: boolean;
  /** When the flush was opened (wall clock, ms). */
  openedAt: number;
}

export async function readCursor(site: string): Promise<FlushCursor | undefined> {
  const output = await storeCall('flush cursor read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('stats'), Key: { pk: deltaPk(site), sk: CURSOR_SK }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    ),
  );
  recordCapacity('read', output.ConsumedCapacity);
  const item = output.Item;
  return item
    ? { seq: Number(item.seq), prev: String(item.prev), upto: String(item.upto), open: Boolean(item.open), openedAt: Number(item.openedAt ?? 0) }
    : undefined;
}

/**
 * Starts flush `seq + 1` over `(current.upto, upto]`. Returns it, or undefined when
 * another flusher moved the cursor first (it is then read again).
 */
export async function openFlush(site: string, current: FlushCursor | undefined, upto: string): Promise<FlushCursor | undefined> {
  const next: FlushCursor = { seq: (current?.seq ?? 0) + 1, prev: current?.upto ?? START, upto, open: true, openedAt: Date.now() };
  const opened = await conditionalWrite(
    new PutCommand({
      TableName: tableName('stats'),
      Item: { pk: deltaPk(site), sk: CURSOR_SK, ...next },
      ConditionExpression: current ? 'seq = :seq AND #open = :false' : 'attribute_not_exists(pk)',
      ...(current ? { ExpressionAttributeNames: { '#open': 'open' }, ExpressionAttributeValues: { ':seq': current.seq, ':false': false } } : {}),
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'flush cursor',
  );
  return opened && next;
}

/** Marks flush `seq` done (a no-op when another flusher did). */
export async function closeFlush(site: string, seq: number): Promise<void> {
  await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('stats'),
      Key: { pk: deltaPk(site), sk: CURSOR_SK },
      UpdateExpression: 'SET #open = :false',
      ConditionExpression: 'seq = :seq',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':seq': seq, ':false': false },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'flush cursor',
  );
}
