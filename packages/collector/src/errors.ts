/** Errors that carry an HTTP meaning; the HTTP layer maps them to status codes in one table. */
export class LiveInsightError extends Error {
  override name = 'LiveInsightError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class BadRequestError extends LiveInsightError {
  override name = 'BadRequestError';
}
export class UnauthorizedError extends LiveInsightError {
  override name = 'UnauthorizedError';
}
/** A valid key that may not do this: a missing scope, or a site outside its list. */
export class ForbiddenError extends LiveInsightError {
  override name = 'ForbiddenError';
}
/** The thing to create exists already (a site, a key name). */
export class ConflictError extends LiveInsightError {
  override name = 'ConflictError';
}
export class NotFoundError extends LiveInsightError {
  override name = 'NotFoundError';
}
export class MethodNotAllowedError extends LiveInsightError {
  override name = 'MethodNotAllowedError';
}
export class PayloadTooLargeError extends LiveInsightError {
  override name = 'PayloadTooLargeError';
}
export class ThrottledError extends LiveInsightError {
  override name = 'ThrottledError';
}
/** Storage is down or throttling: the client should retry later. */
export class StorageUnavailableError extends LiveInsightError {
  override name = 'StorageUnavailableError';
}
