import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit, settleLimit } from '../lib/concurrency.js';
import { getDocumentClient, onStoreReset } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { StorageUnavailableError } from '../errors.js';
import { isOutage, storeCall, toStorageError } from './failures.js';
import { DEFAULT_CAPS, FAMILY, otherKey, saltPk, sitePkPrefix, sortKey, type Caps, type Family } from './keys.js';
import { scanDelete } from './scan.js';
import { addInto, itemKey, mergeByItem, sortKeyOf, type Increment } from './increments.js';
import { tableName } from './tables.js';

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

/** Increments that one stream position (a sequence tag, sortable) contributes. */
export interface Tagged {
  tag: string;
  increments: readonly Increment[];
}

interface RollupWrite {
  pk: string;
  sk: string;
  total: boolean;
  /** What each tag adds to the item, so that a rewrite can leave out what landed already. */
  parts: Map<string, Record<string, number>>;
}

/**
 * Applies what a batch of one stream shard contributes, one UpdateItem ADD per item.
 *
 * Exactly once, across retries of the batch (whole, bisected or resumed): every item keeps,
 * per shard, the highest tag applied to it (`m_{shard}`), and a write is conditional on the
 * marker being below every tag it carries. A shard's batches run one at a time and in
 * order (parallelization factor 1), so when the condition refuses a write, the item holds
 * exactly the tags up to its marker: the write is sent again with only the tags above it.
 * A run writes nothing until it knows every increment's item, since the cap may fold a
 * value into `(other)`.
 *
 * The `total` items go last, and only once every other item is written: they are the day
 * cache's fingerprint (day-cache.ts), so a reader who sees a new fingerprint also sees
 * every item written with it. Throws StorageUnavailableError when any write failed (the
 * batch is retried, and what landed is not added again).
 */
export async function applyTagged(contributions: readonly Tagged[], shard: string, caps: Caps = DEFAULT_CAPS): Promise<{ items: number }> {
  const flat = contributions.flatMap((c) => c.increments.map((inc) => ({ inc, tag: c.tag })));
  const distinct = new Map<string, Increment>();
  for (const { inc } of flat) distinct.set(itemKey(inc), inc);
  const keys = [...distinct.keys()];
  const resolved = await settleLimit(keys, UPDATE_CONCURRENCY, (key) => targetOf(distinct.get(key)!, caps));
  const target = new Map<string, string>();
  resolved.forEach((outcome, i) => {
    if (outcome.status === 'rejected') throw toStorageError(outcome.reason, 'rollup cap');
    target.set(keys[i]!, outcome.value);
  });
  const writes = new Map<string, RollupWrite>();
  for (const { inc, tag } of flat) {
    const sk = target.get(itemKey(inc))!;
    const key = `${inc.pk}\n${sk}`;
    let write = writes.get(key);
    if (!write) writes.set(key, (write = { pk: inc.pk, sk, total: inc.family === FAMILY.total, parts: new Map() }));
    write.parts.set(tag, addInto(write.parts.get(tag) ?? {}, inc.add));
  }
  const marker = `m_${shard}`;
  const apply = async (list: RollupWrite[]) => {
    const outcomes = await settleLimit(list, UPDATE_CONCURRENCY, (w) => addOnce(w, marker));
    const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    if (failed.length) {
      const bug = failed.find((o) => !isOutage(o.reason));
      throw bug ? bug.reason : toStorageError(failed[0]!.reason, `${failed.length} rollup updates`);
    }
  };
  const all = [...writes.values()];
  await apply(all.filter((w) => !w.total));
  await apply(all.filter((w) => w.total));
  return { items: all.length };
}

/** One item's ADD, leaving out the tags its shard marker shows as applied. */
async function addOnce(write: RollupWrite, marker: string): Promise<void> {
  let tags = [...write.parts.keys()].sort();
  let applied: string | undefined;
  for (let attempt = 0; attempt < 3 && tags.length; attempt++) {
    const counters: Record<string, number> = {};
    for (const tag of tags) addInto(counters, write.parts.get(tag)!);
    const names: Record<string, string> = { '#m': marker };
    const values: Record<string, unknown> = { ':top': tags[tags.length - 1], ':low': tags[0] };
    const clauses: string[] = [];
    Object.entries(counters).forEach(([name, value], i) => {
      if (!value) return;
      names[`#c${i}`] = name;
      values[`:c${i}`] = value;
      clauses.push(`#c${i} :c${i}`);
    });
    let condition = 'attribute_not_exists(#m) OR #m < :low';
    if (applied !== undefined) {
      delete values[':low'];
      values[':seen'] = applied;
      condition = '#m = :seen';
    }
    const written = await conditionalWrite(
      new UpdateCommand({
        TableName: tableName('stats'),
        Key: { pk: write.pk, sk: write.sk },
        UpdateExpression: clauses.length ? `SET #m = :top ADD ${clauses.join(', ')}` : 'SET #m = :top',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConditionExpression: condition,
      }),
      'rollup update',
    );
    if (written) return;
    // Refused: an earlier run of this batch reached the item. Send only what it did not.
    applied = await markerOf(write.pk, write.sk, marker);
    if (applied === undefined) continue;
    const seen = applied;
    tags = tags.filter((tag) => tag > seen);
  }
  if (tags.length) throw new StorageUnavailableError(`Rollup item ${write.pk} ${write.sk} kept changing; the batch is retried`);
}

async function markerOf(pk: string, sk: string, marker: string): Promise<string | undefined> {
  const output = await storeCall('stats read', () =>
    getDocumentClient().send(
      new GetCommand({
        TableName: tableName('stats'),
        Key: { pk, sk },
        ConsistentRead: true,
        ProjectionExpression: '#m',
        ExpressionAttributeNames: { '#m': marker },
      }),
    ),
  );
  const value = output.Item?.[marker];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Plain ADDs, no marker: for counts that may be lost but must not cost a conditional
 * write per request (ingestion health of what never reaches the stream). No cap: only
 * `total` items take these.
 */
export async function addCounters(increments: readonly Increment[]): Promise<void> {
  await mapLimit(mergeByItem(increments), UPDATE_CONCURRENCY, async (inc) => {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const clauses = Object.entries(inc.add).map(([metric, amount], i) => {
      names[`#c${i}`] = metric;
      values[`:c${i}`] = amount;
      return `#c${i} :c${i}`;
    });
    await storeCall('rollup add', () =>
      getDocumentClient().send(
        new UpdateCommand({
          TableName: tableName('stats'),
          Key: { pk: inc.pk, sk: sortKeyOf(inc) },
          UpdateExpression: `ADD ${clauses.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  });
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
async function targetOf(inc: Increment, caps: Caps): Promise<string> {
  const other = otherKey(inc.family, inc.parts);
  const sk = sortKeyOf(inc);
  // Too long for DynamoDB: counted where over-cap values go, rather than losing the batch.
  if (Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) return other;
  const cap = caps[inc.family];
  const cacheKey = itemKey(inc);
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

async function itemExists(pk: string, sk: string): Promise<boolean> {
  const output = await storeCall('stats read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('stats'), Key: { pk, sk }, ConsistentRead: true, ProjectionExpression: 'pk' }),
    ),
  );
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
          }),
        ),
      );
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
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }),
        ),
      );
      items.push(...((output.Responses?.[table] ?? []) as StatsItem[]));
      pending = (output.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length && attempt > 8) throw toStorageError(new Error('unprocessed keys'), 'stats batch get');
    }
    return items;
  });
  return pages.flat();
}


// ------------------------------------------------------------ salts, markers, a site's items

const nowSeconds = (now: number) => Math.floor(now / 1000);

/** The salt of a UTC day, created by whoever asks first. Expired salts count as absent. */
export async function getOrCreateSalt(day: string, candidate: string, ttl: number, now: number): Promise<string> {
  const db = getDocumentClient();
  const key = { pk: saltPk(day), sk: 'salt' };
  const read = async () => {
    const output = await storeCall('salt read', () =>
      db.send(new GetCommand({ TableName: tableName('stats'), Key: key, ConsistentRead: true })),
    );
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
    }),
    'salt write',
  );
  if (written) return candidate;
  const winner = await read();
  if (!winner) throw toStorageError(new Error('salt vanished'), 'salt read');
  return winner;
}

/**
 * True when the marker is this owner's: the visitor is new for that site and day, and
 * `owner` (a session) counts it. The same owner claims it again when its batch is run
 * again, so a retry counts the visitor that the first run claimed and did not count.
 */
export async function claimVisitorMarker(pk: string, ttl: number, now: number, owner: string): Promise<boolean> {
  const created = await conditionalWrite(
    new PutCommand({
      TableName: tableName('stats'),
      Item: { pk, sk: 'v', ttl, o: owner },
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now OR #o = :owner',
      ExpressionAttributeNames: { '#ttl': 'ttl', '#o': 'o' },
      ExpressionAttributeValues: { ':now': nowSeconds(now), ':owner': owner },
    }),
    'visitor marker',
  );
  return created !== undefined;
}

/** Removes every item of a site: its hour and day buckets, visitor markers and caps (site ids hold no `#`). */
export async function deleteSiteItems(siteId: string): Promise<number> {
  return scanDelete(tableName('stats'), ['pk', 'sk'], {
    expression: 'begins_with(#pk, :prefix)',
    names: { '#pk': 'pk' },
    values: { ':prefix': sitePkPrefix(siteId) },
  });
}
