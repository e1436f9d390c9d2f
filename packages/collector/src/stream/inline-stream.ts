import { deliver, type Consumer } from './delivery.js';
import type { EventsStream } from './events-stream.js';
import type { StreamRecord } from './record.js';
import { shardIndex, shardName, type StoredRecord } from './sequence.js';

export interface InlineStream extends EventsStream {
  /** Records not consumed yet (a consumer that kept failing leaves them for the next put). */
  pending(): number;
  /** Delivers whatever is pending. */
  drain(): Promise<void>;
}

/**
 * A stream held in memory whose consumer runs as soon as records are put, before put
 * resolves: the tests' and the bench's stand-in for Kinesis, so that a read right after a
 * request sees it counted. Same sharding (by partition key), sequence numbers, batches
 * and retry rules as the local file log (local/stream-log.ts) and Lambda, except that a
 * record that keeps failing waits in the queue instead of going to a failure destination.
 */
export function inlineStream(consume: Consumer, shards = 4): InlineStream {
  const queues = Array.from({ length: shards }, () => [] as StoredRecord[]);
  const counters = new Array<bigint>(shards).fill(0n);
  let draining = Promise.resolve();
  const drainOnce = async () => {
    for (let shard = 0; shard < shards; shard++) {
      const queue = queues[shard]!;
      if (!queue.length) continue;
      const batch = queue.slice();
      // No failure destination: what keeps failing stays queued for the next put or drain.
      const done = await deliver(shardName(shard), batch, consume, { retries: 2, backoffBaseMs: 1 });
      queue.splice(0, done);
    }
  };
  // One delivery at a time, as Lambda runs one batch per shard at a time.
  const drain = () => (draining = draining.then(drainOnce, drainOnce));
  return {
    pending: () => queues.reduce((sum, queue) => sum + queue.length, 0),
    drain,
    async put(records: readonly StreamRecord[]) {
      const now = Date.now();
      for (const record of records) {
        const shard = shardIndex(record.partitionKey, shards);
        counters[shard]! += 1n;
        queues[shard]!.push({ ...record, sequenceNumber: String(counters[shard]), arrivedAt: now });
      }
      await drain();
    },
  };
}
