import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch-get.js';
import { mapLimit, settleLimit } from '../lib/concurrency.js';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { StorageUnavailableError } from '../errors.js';
import { isOutage, storeCall, toStorageError } from './failures.js';
import { FAMILY, fitsSortKey, LATE_ATTRIBUTE, otherKey, saltPk, sitePkPrefix } from './keys.js';
import { scanDelete } from './scan.js';
import { addInto, mergeByItem, sortKeyOf, type Increment } from './increments.js';
import { tableName } from './tables.js';

export type StatsItem = Record<string, unknown> & { pk: string; sk: string };

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
  late?: number;
  /** What each tag adds to the item, so that a rewrite can leave out what landed already. */
  parts: Map<string, Record<string, number>>;
}

/**
 * Applies what a batch of one stream shard contributes, one UpdateItem ADD per item. The
 * increments come routed (service/admission.ts): each names the item it goes to, its
 * value's own or `(other)`, and that choice is kept in the session's outbox with them.
 *
 * Exactly once, across retries of the batch (whole, bisected or resumed): every item keeps,
 * per shard, the highest tag applied to it (`m_{shard}`), and a write is conditional on the
 * marker being below every tag it carries. A shard's batches run one at a time and in
 * order (parallelization factor 1), so when the condition refuses a write, the item holds
 * exactly the tags up to its marker: the write is sent again with only the tags above it.
 *
 * The `total` items go last, and only once every other item is written: they are the day
 * cache's fingerprint (day-cache.ts), so a reader who sees a new fingerprint also sees
 * every item written with it. Throws StorageUnavailableError when any write failed (the
 * batch is retried, and what landed is not added again).
 */
export async function applyTagged(contributions: readonly Tagged[], shard: string): Promise<{ items: number }> {
  const writes = new Map<string, RollupWrite>();
  for (const { tag, increments } of contributions) {
    for (const inc of increments) {
      // Entries an older consumer put in an outbox were not routed: a key DynamoDB refuses
      // would fail the batch for ever, so it goes where the routing would have sent it.
      const own = sortKeyOf(inc);
      const sk = fitsSortKey(own) ? own : otherKey(inc.family, inc.parts);
      const key = `${inc.pk}\n${sk}`;
      let write = writes.get(key);
      if (!write) writes.set(key, (write = { pk: inc.pk, sk, total: inc.family === FAMILY.total, parts: new Map() }));
      write.parts.set(tag, addInto(write.parts.get(tag) ?? {}, inc.add));
      if (inc.late !== undefined && sk === own) write.late = Math.min(write.late ?? inc.late, inc.late);
    }
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
    let sets = 'SET #m = :top';
    if (write.late !== undefined) {
      names['#la'] = LATE_ATTRIBUTE;
      values[':la'] = write.late;
      sets += ', #la = if_not_exists(#la, :la)';
    }
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
        UpdateExpression: clauses.length ? `${sets} ADD ${clauses.join(', ')}` : sets,
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
  return batchGet<StatsItem>('stats batch get', tableName('stats'), keys, READ_CONCURRENCY);
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
