import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { hourBucket } from './events-store.js';
import { tableName } from './tables.js';

export async function readHourTotals(siteId: string, hours: number[]): Promise<{ pageviews: number }[]> {
  const table = tableName('stats');
  const keys = hours.map((h) => ({ pk: `${siteId}#H#${hourBucket(h)}`, sk: 'total' }));
  const { Responses } = await getDocumentClient().send(
    new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }),
  );
  return (Responses?.[table] ?? []).map((item) => ({ pageviews: Number(item.pageviews ?? 0) }));
}
