import { StorageUnavailableError } from '../errors.js';

/**
 * Errors that mean "the store did not do it, try again later": throttling, capacity,
 * a missing table, transport failures and DynamoDB's own 5xx. Everything else (a
 * ValidationException above all) is our bug and stays a 500. `isOutage` is the one
 * place that decides.
 */
const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'ResourceNotFoundException',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** The one predicate for "an outage, retry later" (503) as opposed to a bug (500). */
export function isOutage(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $fault?: string } | undefined;
  if (!e) return false;
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code && TRANSPORT_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return (status !== undefined && status >= 500) || e.$fault === 'server';
}

/** Rethrows an unavailable-store error as StorageUnavailableError (503), anything else as is. */
export function toStorageError(error: unknown, what: string): unknown {
  if (error instanceof StorageUnavailableError) return error;
  if (isOutage(error)) {
    return new StorageUnavailableError(`Storage is unavailable (${what}); please retry`, { cause: error });
  }
  return error;
}

/** Runs one store call, translating an unavailable store into StorageUnavailableError. */
export async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStorageError(error, what);
  }
}
