import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { StorageUnavailableError } from '../errors.js';
import { mapLimit } from '../lib/concurrency.js';
import { getDocumentClient } from './client.js';
import { storeCall } from './failures.js';

/** BatchGetItem takes at most this many keys a call. */
const KEYS_PER_CALL = 100;

/**
 * The items at the given keys of one table (missing ones are simply absent), 100 keys a
 * BatchGetItem, `concurrency` calls at a time, keys DynamoDB left unprocessed asked again.
 * Eventually consistent reads.
 */
export async function batchGet<T>(
  what: string,
  table: string,
  keys: readonly Record<string, unknown>[],
  concurrency: number,
  projection?: { expression: string; names?: Record<string, string> },
): Promise<T[]> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) chunks.push(keys.slice(i, i + KEYS_PER_CALL));
  const pages = await mapLimit(chunks, concurrency, async (chunk) => {
    const items: T[] = [];
    let pending = chunk;
    for (let attempt = 0; pending.length; attempt++) {
      const output = await storeCall(what, () =>
        getDocumentClient().send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(projection && { ProjectionExpression: projection.expression, ...(projection.names && { ExpressionAttributeNames: projection.names }) }),
              },
            },
          }),
        ),
      );
      items.push(...((output.Responses?.[table] ?? []) as T[]));
      pending = (output.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length && attempt > 8) throw new StorageUnavailableError(`Storage is unavailable (${what}: keys left unprocessed); please retry`);
    }
    return items;
  });
  return pages.flat();
}
