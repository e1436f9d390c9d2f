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
