import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { tableName } from './tables.js';

const DAY_S = 24 * 3600;

export function hourBucket(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

export interface PageviewRecord {
  siteId: string;
  sessionId: string;
  pageUrl: string;
  referrer: string;
  receivedAt: number;
}

/** Foundation slice: store the raw event, touch the session, count one page view. */
export async function recordPageview(view: PageviewRecord): Promise<void> {
  const db = getDocumentClient();
  const ttl = Math.floor(view.receivedAt / 1000) + DAY_S;
  await db.send(
    new PutCommand({
      TableName: tableName('events'),
      Item: {
        session_id: view.sessionId,
        timestamp: view.receivedAt * 1000,
        event_type: 'page_view',
        site_id: view.siteId,
        page_url: view.pageUrl,
        referrer: view.referrer,
        ttl,
      },
    }),
  );
  await db.send(
    new UpdateCommand({
      TableName: tableName('sessions'),
      Key: { session_id: view.sessionId },
      UpdateExpression:
        'SET site_id = :site, last_activity = :now, start_time = if_not_exists(start_time, :now), exit_page = :page ADD pageviews :one',
      ExpressionAttributeValues: { ':site': view.siteId, ':now': view.receivedAt, ':page': view.pageUrl, ':one': 1 },
    }),
  );
  await db.send(
    new UpdateCommand({
      TableName: tableName('stats'),
      Key: { pk: `${view.siteId}#H#${hourBucket(view.receivedAt)}`, sk: 'total' },
      UpdateExpression: 'ADD pageviews :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}
