import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { storeCall, toStorageError } from './failures.js';

/** Every item of a small table (the sites, the keys), page by page. */
export async function scanAll<T>(table: string, what: string): Promise<T[]> {
  const items: T[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await storeCall(what, () => getDocumentClient().send(new ScanCommand({ TableName: table, ExclusiveStartKey })));
    items.push(...((page.Items ?? []) as T[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Deletes every item of a table that a filter selects, by scanning the whole table: for
 * removing a site, which is rare and must leave nothing behind, wherever its keys are.
 * Returns how many items went.
 */
export async function scanDelete(
  table: string,
  keyNames: readonly string[],
  filter: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): Promise<number> {
  const db = getDocumentClient();
  let removed = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  const projection = keyNames.map((_, i) => `#k${i}`).join(', ');
  const keyAliases = Object.fromEntries(keyNames.map((name, i) => [`#k${i}`, name]));
  do {
    const page = await storeCall('scan for delete', () =>
      db.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: filter.expression,
          ProjectionExpression: projection,
          ExpressionAttributeNames: { ...filter.names, ...keyAliases },
          ExpressionAttributeValues: filter.values,
          ExclusiveStartKey,
        }),
      ),
    );
    const keys = (page.Items ?? []).map((item) => Object.fromEntries(keyNames.map((name) => [name, item[name]])));
    for (let i = 0; i < keys.length; i += 25) {
      let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt > 8) throw toStorageError(new Error('unprocessed deletes'), 'batch delete');
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const output = await storeCall('batch delete', () => db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } })));
        pending = (output.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
    removed += keys.length;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return removed;
}
