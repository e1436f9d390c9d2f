import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../lib/concurrency.js';
import { recordCapacity, recordConditionFailure, recordIndexWrites } from './capacity.js';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { isConditionFailure, storeCall } from './failures.js';
import { ACTIVITY_INDEX, ACTIVITY_SHARDS, tableName } from './tables.js';

/** A session item as stored. Attribute names are short where they repeat in every write. */
export interface SessionItem {
  session_id: string;
  site_id?: string;
  start_time?: number;
  last_activity?: number;
  /** `{site}#{shard}` while the session is live (the sparse, sharded ActivityIndex key). */
  is_active?: string;
  ttl?: number;
  entry_page?: string;
  entry_time?: number;
  exit_page?: string;
  exit_time?: number;
  /** Page views and custom events so far. */
  pv?: number;
  ce?: number;
  /** Hashes of every event id counted: the idempotency gate. */
  seen?: Set<string>;
  /** Hashes of the pages and custom event names seen (unique-per-session counts). */
  pg?: Set<string>;
  evn?: Set<string>;
  /** Session dimensions, fixed by the first event: referrer host, utm_*, browser, os, device, country. */
  src?: string;
  us?: string;
  um?: string;
  uc?: string;
  br?: string;
  os?: string;
  dev?: string;
  cc?: string;
  /** Latest UTC day for which the visitor was looked up. */
  vday?: string;
  /** `pend_{token}`: rollup increments a failed request could not apply (JSON). */
  [pending: `pend_${string}`]: string | undefined;
}

export interface SessionCommit {
  sessionId: string;
  /** Event id hashes to add to `seen`; the write fails if any is already there. */
  seen: readonly string[];
  /** Set only when absent: what the session's first event decides. */
  setIfMissing: Record<string, string | number | undefined>;
  /** Set only when this commit carries the session's latest activity. */
  setIfLatest: Record<string, string | number | undefined>;
  /** With setIfLatest: the ActivityIndex key to set, or null to take the session out of the index. */
  activeKey: string | null;
  add: Record<string, number>;
  addToSets: Record<string, readonly string[]>;
  /** The commit's latest event time: setIfLatest applies only if no later activity is stored. */
  lastActivity: number;
  latest: boolean;
  /** Only touch a session that exists (a batch of engagement events alone never starts one). */
  requireExisting: boolean;
  /** Receive time (ms): a session whose ttl has passed is absent, even before DynamoDB deletes it. */
  now: number;
  /** The seen-set may hold at most this many hashes after the commit. */
  maxSeen: number;
}

export type CommitOutcome = { committed: true; old: SessionItem | undefined } | { committed: false; current: SessionItem | undefined };

/**
 * One conditional UpdateItem: the idempotency gate (none of these event ids seen yet),
 * the session's state and its new seen-set change together or not at all. On a
 * condition failure the caller gets the current item to work out why.
 */
export async function commitSession(commit: SessionCommit): Promise<CommitOutcome> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const adds: string[] = [];
  const removes: string[] = [];
  const conditions: string[] = [];
  let nameCount = 0;
  let valueCount = 0;
  const name = (attribute: string) => {
    const placeholder = `#a${nameCount++}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (v: unknown) => {
    const placeholder = `:v${valueCount++}`;
    values[placeholder] = v;
    return placeholder;
  };
  for (const [attribute, v] of Object.entries(commit.setIfMissing)) {
    if (v === undefined) continue;
    const a = name(attribute);
    sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
  }
  if (commit.latest) {
    for (const [attribute, v] of Object.entries(commit.setIfLatest)) {
      if (v === undefined) continue;
      const a = name(attribute);
      sets.push(`${a} = ${value(v)}`);
    }
    const active = name('is_active');
    if (commit.activeKey) sets.push(`${active} = ${value(commit.activeKey)}`);
    else removes.push(active);
    const last = name('last_activity');
    conditions.push(`(attribute_not_exists(${last}) OR ${last} <= ${value(commit.lastActivity)})`);
  }
  for (const [attribute, v] of Object.entries(commit.add)) {
    if (v) adds.push(`${name(attribute)} ${value(v)}`);
  }
  for (const [attribute, members] of Object.entries(commit.addToSets)) {
    if (members.length) adds.push(`${name(attribute)} ${value(new Set(members))}`);
  }
  if (commit.seen.length) {
    const seen = name('seen');
    adds.push(`${seen} ${value(new Set(commit.seen))}`);
    for (const hash of commit.seen) conditions.push(`NOT contains(${seen}, ${value(hash)})`);
    conditions.push(`(attribute_not_exists(${seen}) OR size(${seen}) <= ${value(commit.maxSeen - commit.seen.length)})`);
  }
  if (commit.requireExisting) conditions.push('attribute_exists(session_id)');
  // An expired item must not be added to: it is replaced (see expireSession) and the session starts anew.
  const ttl = name('ttl');
  conditions.push(`(attribute_not_exists(${ttl}) OR ${ttl} > ${value(nowSeconds(commit.now))})`);

  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  try {
    const output = await storeCall('session commit', () =>
      getDocumentClient().send(
        new UpdateCommand({
          TableName: tableName('sessions'),
          Key: { session_id: commit.sessionId },
          UpdateExpression: expression,
          ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
          // DynamoDB hands back the item that failed the condition (dynalite does not; we read it then).
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    recordCapacity('write', output.ConsumedCapacity);
    const old = output.Attributes as SessionItem | undefined;
    recordIndexWrites(indexWritesOf(old, commit));
    return { committed: true, old };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    recordConditionFailure(tableName('sessions'));
    const current = await getSession(commit.sessionId, commit.now, { includeExpired: true });
    if (current && isExpired(current, commit.now)) {
      await expireSession(commit.sessionId, commit.now);
      return { committed: false, current: undefined };
    }
    return { committed: false, current };
  }
}

const nowSeconds = (now: number) => Math.floor(now / 1000);

/** DESIGN: reads filter `ttl > now`; DynamoDB deletes expired items late and dynalite never does. */
export function isExpired(item: SessionItem, now: number): boolean {
  return item.ttl !== undefined && Number(item.ttl) <= nowSeconds(now);
}

/** Deletes a session item that is past its ttl (only if it still is), so its id can start a new session. */
async function expireSession(sessionId: string, now: number): Promise<void> {
  // Refused when someone else replaced it first: the caller retries against the new item.
  await conditionalWrite(
    new DeleteCommand({
      TableName: tableName('sessions'),
      Key: { session_id: sessionId },
      ConditionExpression: '#ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': nowSeconds(now) },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'session expire',
  );
}

/**
 * ActivityIndex writes DynamoDB bills for a commit (dynalite reports none): moving an
 * entry to a new sort key is a delete plus a put; a new entry or a removal is one.
 */
function indexWritesOf(old: SessionItem | undefined, commit: SessionCommit): number {
  if (!commit.latest) return 0;
  const wasIndexed = Boolean(old?.is_active);
  if (!commit.activeKey) return wasIndexed ? 1 : 0;
  if (!wasIndexed) return 1;
  const moved = old!.is_active !== commit.activeKey || old!.last_activity !== commit.lastActivity;
  const projectedChanged =
    (commit.setIfLatest.exit_page !== undefined && commit.setIfLatest.exit_page !== old!.exit_page) ||
    (commit.setIfLatest.ttl !== undefined && commit.setIfLatest.ttl !== old!.ttl);
  return moved ? 2 : projectedChanged ? 1 : 0;
}

/** The session, or undefined when absent or past its ttl (unless includeExpired). */
export async function getSession(sessionId: string, now: number, options: { includeExpired?: boolean } = {}): Promise<SessionItem | undefined> {
  const output = await storeCall('session read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('sessions'), Key: { session_id: sessionId }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    ),
  );
  recordCapacity('read', output.ConsumedCapacity);
  const item = output.Item as SessionItem | undefined;
  return item && !options.includeExpired && isExpired(item, now) ? undefined : item;
}

/** Parks increments a request could not apply on the session, for whoever touches it next. */
export async function savePending(sessionId: string, attribute: `pend_${string}`, payload: string): Promise<void> {
  const output = await storeCall('session pending', () =>
    getDocumentClient().send(
      new UpdateCommand({
        TableName: tableName('sessions'),
        Key: { session_id: sessionId },
        UpdateExpression: 'SET #p = :v',
        ExpressionAttributeNames: { '#p': attribute },
        ExpressionAttributeValues: { ':v': payload },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  recordCapacity('write', output.ConsumedCapacity);
}

/** Takes parked increments off the session; only one caller gets them. */
export async function claimPending(sessionId: string, attribute: `pend_${string}`): Promise<string | undefined> {
  const output = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('sessions'),
      Key: { session_id: sessionId },
      UpdateExpression: 'REMOVE #p',
      ConditionExpression: 'attribute_exists(#p)',
      ExpressionAttributeNames: { '#p': attribute },
      ReturnValues: 'UPDATED_OLD',
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'session pending claim',
  );
  return output?.Attributes?.[attribute] as string | undefined;
}

export interface ActiveSession {
  session_id: string;
  last_activity: number;
  exit_page?: string;
  src?: string;
}

/**
 * Sessions of a site with activity since `since`: one Query per ActivityIndex shard,
 * each reading only its newest entries. Items past their TTL but not yet deleted by
 * DynamoDB are filtered out.
 */
export async function queryActiveSessions(siteId: string, since: number, now: number): Promise<ActiveSession[]> {
  const shards = Array.from({ length: ACTIVITY_SHARDS }, (_, i) => `${siteId}#${i}`);
  const pages = await mapLimit(shards, ACTIVITY_SHARDS, async (shard) => {
    const items: ActiveSession[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const output = await storeCall('realtime query', () =>
        getDocumentClient().send(
          new QueryCommand({
            TableName: tableName('sessions'),
            IndexName: ACTIVITY_INDEX,
            KeyConditionExpression: 'is_active = :shard AND last_activity >= :since',
            FilterExpression: '#ttl > :now',
            ProjectionExpression: '#id, #last, #page, #src',
            ExpressionAttributeNames: { '#ttl': 'ttl', '#id': 'session_id', '#last': 'last_activity', '#page': 'exit_page', '#src': 'src' },
            ExpressionAttributeValues: { ':shard': shard, ':since': since, ':now': Math.floor(now / 1000) },
            ExclusiveStartKey,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      recordCapacity('read', output.ConsumedCapacity);
      items.push(...((output.Items ?? []) as ActiveSession[]));
      ExclusiveStartKey = output.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  });
  return pages.flat();
}
