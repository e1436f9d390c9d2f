/**
 * Secrets a function is given by ARN (never by value: no environment holds a secret),
 * read from Secrets Manager on first use and kept for a few minutes, so that a rotated
 * secret reaches every warm container without a deploy.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StorageUnavailableError } from '../errors.js';

const KEEP_MS = 5 * 60_000;
let client: SecretsManagerClient | undefined;
const cache = new Map<string, { value: Promise<string>; until: number }>();

export async function secretValue(arn: string, now = Date.now()): Promise<string> {
  const cached = cache.get(arn);
  if (cached && cached.until > now) return cached.value;
  client ??= new SecretsManagerClient({ maxAttempts: 3 });
  const value = client.send(new GetSecretValueCommand({ SecretId: arn })).then(
    (output) => {
      if (!output.SecretString) throw new Error(`secret ${arn} has no string value`);
      return output.SecretString;
    },
    (error: unknown) => {
      throw new StorageUnavailableError('The key store is unavailable (secret); please retry', { cause: error });
    },
  );
  cache.set(arn, { value, until: now + KEEP_MS });
  // A failed read is not kept: the next request asks again.
  value.catch(() => cache.delete(arn));
  return value;
}
