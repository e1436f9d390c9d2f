import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { TABLES, tableName, type KeyAttribute, type TableDefinition } from './tables.js';

/** The CreateTable input for a definition: what the local stack and tests create. */
export function createTableInput(def: TableDefinition, name: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>();
  const keyOf = (pk: KeyAttribute, sk?: KeyAttribute) => {
    attributes.set(pk.name, pk);
    if (sk) attributes.set(sk.name, sk);
    return [
      { AttributeName: pk.name, KeyType: 'HASH' as const },
      ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
    ];
  };
  const KeySchema = keyOf(def.partitionKey, def.sortKey);
  const GlobalSecondaryIndexes = def.globalIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keyOf(index.partitionKey, index.sortKey),
    Projection: index.nonKeyAttributes
      ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.nonKeyAttributes] }
      : { ProjectionType: 'ALL' as const },
  }));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema,
    AttributeDefinitions: [...attributes.values()].map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    ...(GlobalSecondaryIndexes.length ? { GlobalSecondaryIndexes } : {}),
  };
}

/** Create every table that does not exist yet and wait until all are ACTIVE. */
export async function ensureTables(client: DynamoDBClient, env: NodeJS.ProcessEnv = process.env) {
  for (const def of Object.values(TABLES)) {
    const name = tableName(def.id, env);
    try {
      await client.send(new CreateTableCommand(createTableInput(def, name)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A client for a local DynamoDB-compatible endpoint (dynalite accepts any signature). */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** ensureTables on a local endpoint: the local stack, the tests, the admin scripts. */
export const ensureTablesAt = (endpoint: string, env: NodeJS.ProcessEnv = process.env) => ensureTables(localClient(endpoint), env);
