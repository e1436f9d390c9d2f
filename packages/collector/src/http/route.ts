import { RETRY_AFTER_S, type Route } from '@liveinsight/contract';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  BadRequestError,
  LiveInsightError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  StorageUnavailableError,
  ThrottledError,
  UnauthorizedError,
} from '../errors.js';
import { checkReadKey } from './auth.js';
import { failure, preflight, success } from './response.js';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** A row of the route table: its method, and `read` when the API key is needed (if one is configured). */
export type RouteOptions = Pick<Route, 'method' | 'auth'>;

/** The one table from error class to HTTP status. */
const STATUS_BY_ERROR = new Map<Function, number>([
  [BadRequestError, 400],
  [UnauthorizedError, 401],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [PayloadTooLargeError, 413],
  [ThrottledError, 429],
  [StorageUnavailableError, 503],
]);

export function statusOf(error: unknown): number {
  return error instanceof LiveInsightError ? (STATUS_BY_ERROR.get(error.constructor) ?? 500) : 500;
}

/**
 * Wraps a handler body with what every endpoint shares: the CORS preflight, the method
 * check, the read key, the envelope, and the mapping of errors to status codes. The
 * body only turns a request into data.
 */
export function route(
  options: RouteOptions,
  body: (event: APIGatewayProxyEvent) => Promise<unknown>,
): ProxyHandler {
  return async (event) => {
    if (event.httpMethod === 'OPTIONS') return preflight();
    try {
      if (event.httpMethod !== options.method) {
        throw new MethodNotAllowedError(`${event.httpMethod} is not allowed here; use ${options.method}`);
      }
      if (options.auth === 'read') checkReadKey(event.headers);
      return success(await body(event));
    } catch (error) {
      const statusCode = statusOf(error);
      if (statusCode >= 500) {
        console.error(JSON.stringify({ level: 'error', path: event.path, error: String(error) }));
      }
      const message =
        statusCode === 500 ? 'Internal error' : error instanceof Error ? error.message : String(error);
      const headers: Record<string, string> = statusCode === 405 ? { Allow: `${options.method}, OPTIONS` } : {};
      if (statusCode === 503 || statusCode === 429) headers['Retry-After'] = String(RETRY_AFTER_S);
      return failure(statusCode, message, headers);
    }
  };
}
