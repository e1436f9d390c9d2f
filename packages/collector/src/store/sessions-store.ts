import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch-get.js';
import { mapLimit } from '../lib/concurrency.js';
import { fnv1a } from '../lib/hash.js';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { StorageUnavailableError } from '../errors.js';
import { storeCall } from './failures.js';
import { scanDelete } from './scan.js';
import { ACTIVITY_INDEX, ACTIVITY_SHARDS, tableName } from './tables.js';

/**
 * Sessions are per site: a tracker session id that reaches two sites (two scripts with
 * different data-site on one page share the tab's sessionStorage) makes two sessions,
 * each counted for its own site. Session ids cannot contain `@`.
 */
export function sessionKey(siteId: string, sessionId: string): string {
  return `${sessionId}@${siteId}`;
}

/** The ActivityIndex partition of a live session: a site's sessions spread over ACTIVITY_SHARDS keys. */
export function activeKey(siteId: string, sessionId: string): string {
  return `${siteId}#${fnv1a(sessionId) % ACTIVITY_SHARDS}`;
}

const activeShards = (siteId: string): string[] => Array.from({ length: ACTIVITY_SHARDS }, (_, i) => `${siteId}#${i}`);

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
  /** The stream position (sequence tag) of the last record committed to the session. */
  lseq?: string;
  /**
   * The outbox (JSON): what the last batch that touched the session contributes to the
   * rollups, and the records it covers, so that a retry of that batch, which finds the
   * events already in `seen`, applies the same increments again (rollup markers keep it
   * from adding twice).
   */
  ob?: string;
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

/** Where the session stands on the stream: the condition on the last position, and the new one. */
export interface StreamPosition {
  /** The session item as read before the batch (undefined: absent). */
  old: SessionItem | undefined;
  lseq: string;
  outbox: string;
}

/**
 * One conditional UpdateItem: the session's state, its seen-set, its stream position and
 * its outbox change together or not at all. The condition is the position read before
 * (no other consumer wrote the session since); refused, it throws, and the batch is
 * retried from this session's first record. `commit` may be undefined when the batch
 * brings nothing to count (only duplicates): the position and outbox still move.
 */
export async function commitSession(commit: SessionCommit | undefined, sessionId: string, position: StreamPosition): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const adds: string[] = [];
  const removes: string[] = [];
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
  if (commit) {
    for (const [attribute, v] of Object.entries(commit.setIfMissing)) {
      if (v === undefined) continue;
      const a = name(attribute);
      sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
    }
    if (commit.latest) {
      for (const [attribute, v] of Object.entries(commit.setIfLatest)) {
        if (v !== undefined) sets.push(`${name(attribute)} = ${value(v)}`);
      }
      const active = name('is_active');
      if (commit.activeKey) sets.push(`${active} = ${value(commit.activeKey)}`);
      else removes.push(active);
    }
    for (const [attribute, v] of Object.entries(commit.add)) {
      if (v) adds.push(`${name(attribute)} ${value(v)}`);
    }
    for (const [attribute, members] of Object.entries(commit.addToSets)) {
      if (members.length) adds.push(`${name(attribute)} ${value(new Set(members))}`);
    }
    if (commit.seen.length) adds.push(`${name('seen')} ${value(new Set(commit.seen))}`);
  }
  const lseq = name('lseq');
  sets.push(`${lseq} = ${value(position.lseq)}`, `${name('ob')} = ${value(position.outbox)}`);
  const condition = position.old
    ? position.old.lseq === undefined
      ? `attribute_exists(session_id) AND attribute_not_exists(${lseq})`
      : `${lseq} = ${value(position.old.lseq)}`
    : 'attribute_not_exists(session_id)';
  const expression = [
    `SET ${sets.join(', ')}`,
    adds.length ? `ADD ${adds.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const written = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('sessions'),
      Key: { session_id: sessionId },
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
    'session commit',
  );
  if (!written) throw new StorageUnavailableError(`Session ${sessionId} was written by another consumer; the batch is retried`);
}

const nowSeconds = (now: number) => Math.floor(now / 1000);

/** DESIGN: reads filter `ttl > now`; DynamoDB deletes expired items late and dynalite never does. */
export function isExpired(item: SessionItem, now: number): boolean {
  return item.ttl !== undefined && Number(item.ttl) <= nowSeconds(now);
}

/** Deletes a session item that is past its ttl (only if it still is), so its id can start a new session. */
export async function expireSession(sessionId: string, now: number): Promise<void> {
  // Refused when someone else replaced it first: the caller retries against the new item.
  await conditionalWrite(
    new DeleteCommand({
      TableName: tableName('sessions'),
      Key: { session_id: sessionId },
      ConditionExpression: '#ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': nowSeconds(now) },
    }),
    'session expire',
  );
}

/** The session, or undefined when absent or past its ttl (unless includeExpired). */
export async function getSession(sessionId: string, now: number, options: { includeExpired?: boolean } = {}): Promise<SessionItem | undefined> {
  const output = await storeCall('session read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('sessions'), Key: { session_id: sessionId }, ConsistentRead: true }),
    ),
  );
  const item = output.Item as SessionItem | undefined;
  return item && !options.includeExpired && isExpired(item, now) ? undefined : item;
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
  const shards = activeShards(siteId);
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
          }),
        ),
      );
      items.push(...((output.Items ?? []) as ActiveSession[]));
      ExclusiveStartKey = output.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  });
  return pages.flat();
}

/** The session dimensions a live session holds beyond the ActivityIndex's projection. */
export type SessionDimensions = Pick<SessionItem, 'session_id' | 'entry_page' | 'us' | 'um' | 'uc' | 'br' | 'os' | 'dev' | 'cc'>;

/**
 * The dimensions of the given sessions (their keys, as the ActivityIndex gave them), 100 a
 * BatchGetItem; eventually consistent, as the index itself is.
 */
export async function getSessionDimensions(sessionKeys: readonly string[]): Promise<SessionDimensions[]> {
  return batchGet<SessionDimensions>('realtime sessions', tableName('sessions'), sessionKeys.map((session_id) => ({ session_id })), ACTIVITY_SHARDS, {
    expression: 'session_id, entry_page, us, um, uc, br, #os, dev, cc',
    names: { '#os': 'os' },
  });
}

/** Removes every session of a site (live and backfilled). */
export async function deleteSiteSessions(siteId: string): Promise<number> {
  return scanDelete(tableName('sessions'), ['session_id'], {
    expression: '#site = :site',
    names: { '#site': 'site_id' },
    values: { ':site': siteId },
  });
}
