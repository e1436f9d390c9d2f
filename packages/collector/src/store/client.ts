import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let documentClient: DynamoDBDocumentClient | undefined;

/**
 * The one document client of this process, created on first use rather than at import
 * so that the local stack can start dynalite and set DYNAMODB_ENDPOINT first.
 * In Lambda it is created once per container and reused across invocations.
 */
export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient(process.env.DYNAMODB_ENDPOINT);
  return documentClient;
}

export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          // dynalite accepts any signature; these never leave the machine.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 3,
        }
      : { maxAttempts: 3 },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

const resetListeners: (() => void)[] = [];

/** Registers a cache that belongs to the current store and must be dropped with it. */
export function onStoreReset(listener: () => void): void {
  resetListeners.push(listener);
}

/** Forget the cached client and every per-store cache (tests and the local server switch stores). */
export function resetDocumentClient(): void {
  documentClient?.destroy();
  documentClient = undefined;
  for (const listener of resetListeners) listener();
}
