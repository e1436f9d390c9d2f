/**
 * How far the stream consumer has counted, per shard: one item per shard in the stats
 * table, `pk ~progress`, `sk {shard}`, with `upto` (the arrival time of the last record
 * counted, ms) and `at` (when, ms). Readers derive `meta.counted_until` from it.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { storeCall } from './failures.js';
import { localStreamInstalled } from '../stream/events-stream.js';
import { PROGRESS_PK } from './keys.js';
import { queryPartitions } from './stats-store.js';
import { tableName } from './tables.js';

export async function saveProgress(shard: string, upto: number): Promise<void> {
  await storeCall('progress write', () =>
    getDocumentClient().send(
      new PutCommand({ TableName: tableName('stats'), Item: { pk: PROGRESS_PK, sk: shard, upto, at: Date.now() } }),
    ),
  );
}

/** A shard quiet for this long has nothing waiting (or is stuck, which its IteratorAge alarm reports). */
const QUIET_MS = 5 * 60_000;

/**
 * The time up to which every record that reached the stream is counted: the oldest
 * `upto` among shards that counted something lately. Null before anything was counted.
 * With a local stream (tests, the local stack) a read waits for the consumer, so this is
 * the read's time.
 */
export async function countedUntil(now: number): Promise<number | null> {
  if (localStreamInstalled()) return now;
  const items = (await queryPartitions([PROGRESS_PK])).get(PROGRESS_PK) ?? [];
  if (!items.length) return null;
  const recent = items.filter((item) => Number(item.at) > now - QUIET_MS);
  if (!recent.length) return Math.max(...items.map((item) => Number(item.at)));
  return Math.min(...recent.map((item) => Number(item.upto)));
}
