/**
 * The keys table: one item per API key, by name. Only a hash of each key's secret is
 * stored, never the key. Revoking keeps the item (with `revoked_at`), so that a revoked
 * bootstrap key is not created again on its next use, and the list shows what was revoked.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Scope } from '@liveinsight/contract';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { storeCall } from './failures.js';
import { scanAll } from './scan.js';
import { tableName } from './tables.js';

export interface KeyItem {
  name: string;
  /** SHA-256 of the key's secret, hex. */
  hash: string;
  scopes: Scope[];
  /** Absent: every site. */
  sites?: string[];
  created_at: number;
  last_used?: number;
  revoked_at?: number;
}

/** Stores a new key; false when the name is taken. */
export async function putKey(item: KeyItem): Promise<boolean> {
  const written = await conditionalWrite(
    new PutCommand({
      TableName: tableName('keys'),
      Item: item,
      ConditionExpression: 'attribute_not_exists(#name)',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
    'key write',
  );
  return written !== undefined;
}

export async function getKey(name: string): Promise<KeyItem | undefined> {
  const output = await storeCall('key read', () => getDocumentClient().send(new GetCommand({ TableName: tableName('keys'), Key: { name } })));
  return output.Item as KeyItem | undefined;
}

/** Every key; the table holds a handful. */
export const listKeys = (): Promise<KeyItem[]> => scanAll<KeyItem>(tableName('keys'), 'key list');

/** Marks a key revoked; the item as it now is, or undefined when there is no such key. */
export async function revokeKey(name: string, now: number): Promise<KeyItem | undefined> {
  const output = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('keys'),
      Key: { name },
      // Revoking twice keeps the first time.
      UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :now)',
      ConditionExpression: 'attribute_exists(#name)',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':now': now },
      ReturnValues: 'ALL_NEW',
    }),
    'key revoke',
  );
  return output?.Attributes as KeyItem | undefined;
}

/** Records a use; never brings back a key that is gone. */
export async function touchKey(name: string, now: number): Promise<void> {
  await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('keys'),
      Key: { name },
      UpdateExpression: 'SET last_used = :now',
      ConditionExpression: 'attribute_exists(#name)',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':now': now },
    }),
    'key touch',
  );
}

/** Replaces a key's site list (a site was deleted); an empty list opens no site. */
export async function setKeySites(name: string, sites: readonly string[]): Promise<void> {
  await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('keys'),
      Key: { name },
      UpdateExpression: 'SET sites = :sites',
      ConditionExpression: 'attribute_exists(#name)',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':sites': [...sites] },
    }),
    'key sites',
  );
}
