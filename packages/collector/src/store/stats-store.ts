import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit, settleLimit } from '../lib/concurrency.js';
import { recordCapacity } from './capacity.js';
import { getDocumentClient, onStoreReset } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { isOutage, storeCall, toStorageError } from './failures.js';
import { CAPS, FAMILY, otherKey, SITES_PK, saltPk, sortKey, type Family } from './keys.js';
import { tableName } from './tables.js';

/** One atomic ADD of counters to one rollup item. */
export interface Increment {
  pk: string;
  /**
   * The family and parts the sort key is made of; the cap may fold the parts into
   * (other). For `total` the one part is the literal sort key (`total` or a shard `total~n`).
   */
  family: Family;
  parts: string[];
  add: Record<string, number>;
}

export type StatsItem = Record<string, unknown> & { pk: string; sk: string };

/** Rollup items this process knows to exist: they skip the cap check. Bounded, oldest forgotten first. */
const knownKeys = new Set<string>();
const KNOWN_KEYS_LIMIT = 50_000;

function remember(key: string): void {
  if (knownKeys.size >= KNOWN_KEYS_LIMIT) knownKeys.delete(knownKeys.values().next().value!);
  knownKeys.add(key);
}

onStoreReset(() => knownKeys.clear());

const UPDATE_CONCURRENCY = 16;

interface RollupWrite {
  pk: string;
  sk: string;
  add: Record<string, number>;
  total: boolean;
}

/**
 * Applies the increments of flush `seq`, one UpdateItem ADD per item, and returns how many
 * writes the store could not take (0: all applied); any other error is thrown.
 *
 * Exactly once: every item remembers the last flush applied to it (`fs`), and an ADD is
 * conditional on `fs < seq`, so a flush that is run again (it failed half-way) adds nothing
 * twice. Flushes of a site are numbered in order. For that, a run writes nothing until it
 * knows every increment's item: a run that wrote `(other)` with part of its increments
 * (one target still unknown) could never add the rest there.
 *
 * The `total` items go last, and only once every other item is written: they are the day
 * cache's fingerprint (day-cache.ts), so a reader who sees a new fingerprint must also see
 * every item written with it, and a run that failed before them changes it when it is run
 * again.
 */
export async function applyIncrements(increments: readonly Increment[], seq: number): Promise<number> {
  const failures = (outcomes: PromiseSettledResult<unknown>[]) =>
    outcomes.filter((outcome) => {
      if (outcome.status === 'fulfilled') return false;
      if (isOutage(outcome.reason)) return true;
      throw outcome.reason;
    }).length;
  // The item each increment goes to (the cap may fold it into (other)); several may go to
  // the same one, and the `fs` guard lets a flush add to an item once: they are merged.
  const targets = await settleLimit(increments, UPDATE_CONCURRENCY, (inc) => targetOf(inc));
  const unresolved = failures(targets);
  if (unresolved) return unresolved;
  const writes = new Map<string, RollupWrite>();
  targets.forEach((outcome, i) => {
    const inc = increments[i]!;
    const sk = (outcome as PromiseFulfilledResult<string>).value;
    const key = `${inc.pk}\n${sk}`;
    let write = writes.get(key);
    if (!write) writes.set(key, (write = { pk: inc.pk, sk, add: {}, total: inc.family === FAMILY.total }));
    for (const [metric, amount] of Object.entries(inc.add)) write.add[metric] = (write.add[metric] ?? 0) + amount;
  });
  const apply = async (list: RollupWrite[]) => failures(await settleLimit(list, UPDATE_CONCURRENCY, (w) => add(w.pk, w.sk, w.add, seq)));
  const all = [...writes.values()];
  const unwritten = await apply(all.filter((w) => !w.total));
  return unwritten || apply(all.filter((w) => w.total));
}

export function sortKeyOf(inc: Pick<Increment, 'family' | 'parts'>): string {
  return inc.family === FAMILY.total ? (inc.parts[0] ?? FAMILY.total) : sortKey(inc.family, ...inc.parts);
}

/** DynamoDB refuses a sort key longer than this many UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

/**
 * Buckets whose cap is reached, with the sort keys admitted to them. Once full a bucket
 * admits nothing more, so that set is final: a value not in it goes to `(other)` in one
 * write instead of a failed conditional add and a refused slot claim. Bounded.
 */
const fullBuckets = new Map<string, Promise<Set<string>>>();
const FULL_BUCKETS_LIMIT = 200;
onStoreReset(() => fullBuckets.clear());

const bucketKey = (pk: string, family: Family) => `${pk}\n${family}`;

function markFull(pk: string, family: Family): void {
  const key = bucketKey(pk, family);
  if (fullBuckets.has(key)) return;
  if (fullBuckets.size >= FULL_BUCKETS_LIMIT) fullBuckets.delete(fullBuckets.keys().next().value!);
  const admitted = queryPartitions([pk], `${family}#`, true).then((items) => new Set((items.get(pk) ?? []).map((item) => item.sk)));
  // A failed read only costs the shortcut: the bucket is looked up again next time.
  admitted.catch(() => fullBuckets.delete(key));
  fullBuckets.set(key, admitted);
}

async function admittedIfFull(pk: string, family: Family): Promise<Set<string> | undefined> {
  try {
    return await fullBuckets.get(bucketKey(pk, family));
  } catch {
    return undefined;
  }
}

/** The sort key an increment is written to: its own, or (other) when its bucket is full. */
async function targetOf(inc: Increment): Promise<string> {
  const other = otherKey(inc.family, inc.parts);
  const sk = sortKeyOf(inc);
  // Too long for DynamoDB: counted where over-cap values go, rather than losing the batch.
  if (Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) return other;
  const cap = CAPS[inc.family];
  const cacheKey = `${inc.pk}\n${sk}`;
  if (cap === undefined || knownKeys.has(cacheKey) || sk === other) return sk;
  const admitted = await admittedIfFull(inc.pk, inc.family);
  if (admitted) return admitted.has(sk) ? sk : other;
  // Unknown here: an existing item has its slot; a new one needs one of the bucket's slots.
  if ((await itemExists(inc.pk, sk)) || (await claimSlot(inc.pk, inc.family, cap))) {
    remember(cacheKey);
    return sk;
  }
  markFull(inc.pk, inc.family);
  return other;
}

/** ADDs the counters unless flush `seq` (or a later one) reached the item already. */
async function add(pk: string, sk: string, counters: Record<string, number>, seq: number): Promise<void> {
  const names: Record<string, string> = { '#fs': 'fs' };
  const values: Record<string, number> = { ':fs': seq };
  const clauses: string[] = [];
  Object.entries(counters).forEach(([name, value], i) => {
    if (!value) return;
    names[`#c${i}`] = name;
    values[`:c${i}`] = value;
    clauses.push(`#c${i} :c${i}`);
  });
  if (!clauses.length) return;
  // Refused: this flush reached the item before.
  await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('stats'),
      Key: { pk, sk },
      UpdateExpression: `SET #fs = :fs ADD ${clauses.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ConditionExpression: 'attribute_not_exists(#fs) OR #fs < :fs',
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'rollup update',
  );
}

async function itemExists(pk: string, sk: string): Promise<boolean> {
  const output = await storeCall('stats read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('stats'), Key: { pk, sk }, ConsistentRead: true, ProjectionExpression: 'pk', ReturnConsumedCapacity: 'TOTAL' }),
    ),
  );
  recordCapacity('read', output.ConsumedCapacity);
  return output.Item !== undefined;
}

/** Takes one of the bucket's distinct-value slots for `family`; false once the cap is reached. */
async function claimSlot(pk: string, family: Family, cap: number): Promise<boolean> {
  const claimed = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('stats'),
      Key: { pk, sk: sortKey(FAMILY.cap, family) },
      UpdateExpression: 'ADD n :one',
      ConditionExpression: 'attribute_not_exists(n) OR n < :cap',
      ExpressionAttributeValues: { ':one': 1, ':cap': cap },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'cap slot',
  );
  return claimed !== undefined;
}

// ----------------------------------------------------------------------------- reads

const READ_CONCURRENCY = 16;

/** Every item of each partition (day buckets), optionally only sort keys with a prefix. */
export async function queryPartitions(
  pks: readonly string[],
  skPrefix?: string,
  consistent = false,
): Promise<Map<string, StatsItem[]>> {
  const results = await mapLimit(pks, READ_CONCURRENCY, async (pk) => {
    const items: StatsItem[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const output = await storeCall('stats query', () =>
        getDocumentClient().send(
          new QueryCommand({
            TableName: tableName('stats'),
            KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
            ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':prefix': skPrefix } : { ':pk': pk },
            ExclusiveStartKey,
            ConsistentRead: consistent,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      recordCapacity('read', output.ConsumedCapacity);
      items.push(...((output.Items ?? []) as StatsItem[]));
      ExclusiveStartKey = output.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return [pk, items] as const;
  });
  return new Map(results);
}

/** The items at the given keys (missing ones are simply absent), 100 keys per BatchGetItem. */
export async function getItems(keys: readonly { pk: string; sk: string }[]): Promise<StatsItem[]> {
  const table = tableName('stats');
  const chunks: { pk: string; sk: string }[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const pages = await mapLimit(chunks, READ_CONCURRENCY, async (chunk) => {
    const items: StatsItem[] = [];
    let pending: Record<string, unknown>[] = chunk;
    for (let attempt = 0; pending.length; attempt++) {
      const output = await storeCall('stats batch get', () =>
        getDocumentClient().send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } }, ReturnConsumedCapacity: 'TOTAL' }),
        ),
      );
      recordCapacity('read', output.ConsumedCapacity);
      items.push(...((output.Responses?.[table] ?? []) as StatsItem[]));
      pending = (output.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length && attempt > 8) throw toStorageError(new Error('unprocessed keys'), 'stats batch get');
    }
    return items;
  });
  return pages.flat();
}


// ------------------------------------------------------------ salts, markers, registry

const nowSeconds = (now: number) => Math.floor(now / 1000);

/** The salt of a UTC day, created by whoever asks first. Expired salts count as absent. */
export async function getOrCreateSalt(day: string, candidate: string, ttl: number, now: number): Promise<string> {
  const db = getDocumentClient();
  const key = { pk: saltPk(day), sk: 'salt' };
  const read = async () => {
    const output = await storeCall('salt read', () =>
      db.send(new GetCommand({ TableName: tableName('stats'), Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })),
    );
    recordCapacity('read', output.ConsumedCapacity);
    const item = output.Item;
    return item && Number(item.ttl) > nowSeconds(now) ? String(item.salt) : undefined;
  };
  const existing = await read();
  if (existing) return existing;
  const written = await conditionalWrite(
    new PutCommand({
      TableName: tableName('stats'),
      Item: { ...key, salt: candidate, ttl },
      // An expired salt that TTL has not deleted yet may be replaced.
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': nowSeconds(now) },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'salt write',
  );
  if (written) return candidate;
  const winner = await read();
  if (!winner) throw toStorageError(new Error('salt vanished'), 'salt read');
  return winner;
}

/** True when this call created the marker: the visitor is new for that site and day. */
export async function claimVisitorMarker(pk: string, ttl: number, now: number): Promise<boolean> {
  const created = await conditionalWrite(
    new PutCommand({
      TableName: tableName('stats'),
      Item: { pk, sk: 'v', ttl },
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': nowSeconds(now) },
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'visitor marker',
  );
  return created !== undefined;
}

const registeredSites = new Set<string>();

/** Adds the site to the registry once (per process); idempotent. */
export async function registerSite(siteId: string, now: number): Promise<void> {
  if (registeredSites.has(siteId)) return;
  // Refused when the site is registered already.
  await conditionalWrite(
    new PutCommand({
      TableName: tableName('stats'),
      Item: { pk: SITES_PK, sk: siteId, first_seen: now },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnConsumedCapacity: 'TOTAL',
    }),
    'site registry',
  );
  registeredSites.add(siteId);
}
onStoreReset(() => registeredSites.clear());

export async function listSites(): Promise<{ siteId: string; firstSeen: number }[]> {
  const items = (await queryPartitions([SITES_PK])).get(SITES_PK) ?? [];
  return items.map((item) => ({ siteId: item.sk, firstSeen: Number(item.first_seen) }));
}
