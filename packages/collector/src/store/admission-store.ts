/**
 * The stats table's items that decide which values get a row of their own: per day bucket
 * and family, the slot counter `cap#{family}` (how many distinct values hold a row), and
 * per value still waiting, its weight under `{site}#P#{day}` (the client hashes that sent
 * it). The rules that read them live in service/admission.ts.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from './client.js';
import { conditionalWrite } from './conditional-write.js';
import { storeCall } from './failures.js';
import { FAMILY, sortKey, type Family } from './keys.js';
import { queryPartitions } from './stats-store.js';
import { tableName } from './tables.js';

/** Whether the rollup item exists (a value that holds a row). */
export async function itemExists(pk: string, sk: string): Promise<boolean> {
  const output = await storeCall('stats read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('stats'), Key: { pk, sk }, ConsistentRead: true, ProjectionExpression: 'pk' }),
    ),
  );
  return output.Item !== undefined;
}

/** Takes one of the bucket's slots for `family`, while fewer than `below` are taken. */
export async function claimSlot(pk: string, family: Family, below: number): Promise<boolean> {
  const claimed = await conditionalWrite(
    new UpdateCommand({
      TableName: tableName('stats'),
      Key: { pk, sk: sortKey(FAMILY.cap, family) },
      UpdateExpression: 'ADD n :one',
      ConditionExpression: 'attribute_not_exists(n) OR n < :below',
      ExpressionAttributeValues: { ':one': 1, ':below': below },
    }),
    'cap slot',
  );
  return claimed !== undefined;
}

/** How many of the bucket's slots for `family` are taken. */
export async function slotsTaken(pk: string, family: Family): Promise<number> {
  const output = await storeCall('stats read', () =>
    getDocumentClient().send(
      new GetCommand({ TableName: tableName('stats'), Key: { pk, sk: sortKey(FAMILY.cap, family) }, ConsistentRead: true }),
    ),
  );
  return Number(output.Item?.n ?? 0);
}

/** The sort keys of a family's rows in a bucket (a consistent read: once it is full, final). */
export async function admittedKeys(pk: string, family: Family): Promise<Set<string>> {
  const items = (await queryPartitions([pk], `${family}#`, true)).get(pk) ?? [];
  return new Set(items.map((item) => item.sk));
}

export interface Weight {
  /** Distinct clients that have sent the value (a set: a rerun adding the same ones adds nothing). */
  clients: number;
  /** Whether an earlier batch weighed it already, so that its counts so far are in `(other)`. */
  earlier: boolean;
}

/** Adds these clients to a waiting value's weight; `pendingPk` is keys.ts `pendingPk` of its bucket. */
export async function addWeight(pendingPk: string, sk: string, clients: readonly string[], ttl: number): Promise<Weight> {
  const output = await storeCall('value weight', () =>
    getDocumentClient().send(
      new UpdateCommand({
        TableName: tableName('stats'),
        Key: { pk: pendingPk, sk },
        UpdateExpression: 'ADD w :clients, b :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':clients': new Set(clients), ':one': 1, ':ttl': ttl },
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  const set = output.Attributes?.w as Set<string> | undefined;
  return { clients: set?.size ?? 0, earlier: Number(output.Attributes?.b ?? 1) > 1 };
}
