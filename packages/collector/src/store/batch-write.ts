import { BatchWriteCommand, type BatchWriteCommandInput, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { StorageUnavailableError } from '../errors.js';
import { backoffMs, mapLimit, sleep } from '../lib/concurrency.js';
import { recordCapacity } from './capacity.js';
import { getDocumentClient } from './client.js';
import { storeCall } from './failures.js';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
export type BatchSender = (input: BatchWriteCommandInput) => Promise<Pick<BatchWriteCommandOutput, 'UnprocessedItems' | 'ConsumedCapacity'>>;

/** BatchWriteItem takes at most 25 requests. */
const BATCH_LIMIT = 25;
export const MAX_BATCH_ATTEMPTS = 8;

const sendToStore: BatchSender = (input) => getDocumentClient().send(new BatchWriteCommand(input));

/**
 * Writes every request, 25 at a time. DynamoDB may accept part of a batch and hand the
 * rest back as UnprocessedItems (throttling, or a partition at its limit): those are
 * resent with exponential backoff until done, or the store is declared unavailable.
 */
export async function batchWrite(
  table: string,
  requests: readonly WriteRequest[],
  send: BatchSender = sendToStore,
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) chunks.push(requests.slice(i, i + BATCH_LIMIT));
  await mapLimit(chunks, 4, async (chunk) => {
    let pending: WriteRequest[] = chunk;
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) {
        throw new StorageUnavailableError(`${pending.length} writes to ${table} stayed unprocessed after ${attempt} attempts`);
      }
      if (attempt > 0) await sleep(backoffMs(attempt));
      const output = await storeCall(`batch write ${table}`, () =>
        send({ RequestItems: { [table]: pending }, ReturnConsumedCapacity: 'TOTAL' }),
      );
      recordCapacity('write', output.ConsumedCapacity);
      pending = (output.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  });
}
