import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { backoffMs, sleep } from '../lib/concurrency.js';
import { kinesisEvent, type StoredRecord } from './sequence.js';

export type Consumer = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface DeliveryOptions {
  /** Retries of a record that keeps failing before it goes to the failure destination. */
  retries?: number;
  /** The on-failure destination: the record given up on. Without one, delivery stops at it. */
  onGiveUp?: (record: StoredRecord, error: unknown) => void;
  backoffBaseMs?: number;
}

/**
 * Hands one shard's records to a consumer in order, the way Lambda's Kinesis event source
 * mapping does with BisectBatchOnFunctionError and ReportBatchItemFailures: a batch that
 * throws is split in two and each half retried; a batch that reports a failed item is
 * done up to that item and retried from it; a record that still fails after `retries`
 * goes to the failure destination and the shard moves on (or, with none, delivery stops
 * there). Returns how many records, from the first, are done (the caller's checkpoint).
 */
export async function deliver(shardId: string, records: readonly StoredRecord[], consume: Consumer, options: DeliveryOptions = {}): Promise<number> {
  const retries = options.retries ?? 3;
  let start = 0;
  let failures = 0;
  let lastError: unknown;
  while (start < records.length) {
    const outcome = await tryBatch(shardId, records.slice(start), consume);
    start += outcome.done;
    if (outcome.done) failures = 0;
    if (start >= records.length) break;
    lastError = outcome.error;
    if (outcome.done) continue;
    if (++failures > retries) {
      // Without a failure destination the shard waits at this record for the next delivery.
      if (!options.onGiveUp) break;
      options.onGiveUp(records[start]!, lastError);
      start++;
      failures = 0;
      continue;
    }
    await sleep(backoffMs(failures, options.backoffBaseMs ?? 20, 1_000));
  }
  return start;
}

async function tryBatch(shardId: string, batch: readonly StoredRecord[], consume: Consumer): Promise<{ done: number; error?: unknown }> {
  try {
    const response = await consume(kinesisEvent(shardId, batch));
    const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
    if (!failed) return { done: batch.length };
    const index = batch.findIndex((record) => record.sequenceNumber === failed);
    return { done: index < 0 ? 0 : index, error: new Error(`record ${failed} reported failed`) };
  } catch (error) {
    if (batch.length === 1) return { done: 0, error };
    const half = Math.ceil(batch.length / 2);
    const first = await tryBatch(shardId, batch.slice(0, half), consume);
    if (first.done < half) return first;
    const second = await tryBatch(shardId, batch.slice(half), consume);
    return { done: half + second.done, ...(second.error ? { error: second.error } : {}) };
  }
}
