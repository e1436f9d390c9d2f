/**
 * The sites table: one item per registered site, holding when it was created and its
 * settings document (JSON, replaced whole). A site exists because an admin created it, or,
 * where auto-registration is on (the local stack), because its first event arrived.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { storeCall } from './failures.js';
import { scanAll } from './scan.js';
import { tableName } from './tables.js';

export interface SiteItem {
  site_id: string;
  created_at: number;
  /** The settings document as JSON; `{}` when none were set. */
  settings: string;
  updated_at?: number;
}

/** Registers a site; false when it exists already. */
export async function putSite(item: SiteItem): Promise<boolean> {
  const written = await conditionalWrite(
    new PutCommand({
      TableName: tableName('sites'),
      Item: item,
      ConditionExpression: 'attribute_not_exists(site_id)',
    }),
    'site write',
  );
  return written !== undefined;
}

export async function getSite(siteId: string): Promise<SiteItem | undefined> {
  const output = await storeCall('site read', () => getDocumentClient().send(new GetCommand({ TableName: tableName('sites'), Key: { site_id: siteId } })));
  return output.Item as SiteItem | undefined;
}

export const listSites = (): Promise<SiteItem[]> => scanAll<SiteItem>(tableName('sites'), 'site list');

/** Replaces a site's settings; the item as it now is, or undefined when there is no such site. */
export async function putSettings(siteId: string, settings: string, now: number): Promise<SiteItem | undefined> {
  const output = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('sites'),
      Key: { site_id: siteId },
      UpdateExpression: 'SET settings = :settings, updated_at = :now',
      ConditionExpression: 'attribute_exists(site_id)',
      ExpressionAttributeValues: { ':settings': settings, ':now': now },
      ReturnValues: 'ALL_NEW',
    }),
    'settings write',
  );
  return output?.Attributes as SiteItem | undefined;
}

/** False when there was no such site. */
export async function deleteSite(siteId: string): Promise<boolean> {
  const output = await conditionalWrite(
    new DeleteCommand({ TableName: tableName('sites'), Key: { site_id: siteId }, ConditionExpression: 'attribute_exists(site_id)' }),
    'site delete',
  );
  return output !== undefined;
}
