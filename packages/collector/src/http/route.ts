import { matchRoute, RETRY_AFTER_S, routesOf, type Route, type RouteHandler } from '@liveinsight/contract';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  LiveInsightError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  StorageUnavailableError,
  ThrottledError,
  UnauthorizedError,
} from '../errors.js';
import { authenticate, authorize, type Principal } from '../service/access.js';
import { keyOf } from './auth.js';
import { viewerOf, type Viewer } from './viewer.js';
import { failure, once, plainFailure, preflight, RawAnswer, StreamAnswer, success, type StreamedResult } from './response.js';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** What a route's body gets: the event, its path parameters, and who sent it. */
export interface ApiRequest {
  event: APIGatewayProxyEvent;
  params: Record<string, string>;
  /**
   * The key's principal: checked against the row's `auth` already. Null only on a route
   * that takes anonymous requests (POST /api/events) when none was sent.
   */
  principal: Principal | null;
  /** Who sent it, as far as the edge lets us tell (http/viewer.ts). */
  viewer: Viewer;
  now: number;
}

type RowKey<R> = R extends Route ? `${R['method']} ${R['path']}` : never;
export type RouteBody = (request: ApiRequest) => Promise<unknown>;
/** One body per row of the route table that names the handler, keyed `METHOD /path`. */
export type Bodies<H extends RouteHandler> = Record<RowKey<Extract<Route, { handler: H }>>, RouteBody>;

/** The one table from error class to HTTP status. */
const STATUS_BY_ERROR = new Map<Function, number>([
  [BadRequestError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [ThrottledError, 429],
  [StorageUnavailableError, 503],
]);

export function statusOf(error: unknown): number {
  return error instanceof LiveInsightError ? (STATUS_BY_ERROR.get(error.constructor) ?? 500) : 500;
}

/**
 * Wraps a handler's bodies with what every endpoint shares: the CORS preflight, the
 * route and method (from the contract's route table), the key and its scope, the
 * envelope, and the mapping of errors to status codes. A body only turns a request into
 * data (and checks the site, where the route names one).
 */
export function route<H extends RouteHandler>(handler: H, bodies: Bodies<H>): ProxyHandler {
  const answer = answering(handler, bodies);
  return async (event) => {
    const result = await answer(event);
    if (typeof result.body !== 'string') throw new Error(`${handler}: a streamed answer needs streamingRoute`);
    return result as APIGatewayProxyResult;
  };
}

export type StreamingHandler = (event: APIGatewayProxyEvent) => Promise<StreamedResult>;

/**
 * route() for a handler whose bodies may answer with a stream (StreamAnswer): every answer
 * is then a stream, an error or a preflight as one chunk. A body fails before its first
 * chunk is asked for, so its faults still get their status code.
 */
export function streamingRoute<H extends RouteHandler>(handler: H, bodies: Bodies<H>): StreamingHandler {
  const answer = answering(handler, bodies);
  return async (event) => {
    const result = await answer(event);
    return typeof result.body === 'string' ? { statusCode: result.statusCode, headers: stringHeaders(result.headers), body: once(result.body) } : (result as StreamedResult);
  };
}

function answering<H extends RouteHandler>(handler: H, bodies: Bodies<H>) {
  const rows = routesOf(handler);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult | StreamedResult> => {
    if (event.httpMethod === 'OPTIONS') return preflight();
    const match = matchRoute(event.path, event.httpMethod);
    const path = match?.path ?? rows[0]!.path;
    const allowed = rows.filter((row) => row.path === path).map((row) => row.method);
    try {
      const row = match?.route && match.route.handler === handler ? match.route : undefined;
      if (!row) throw new MethodNotAllowedError(`${event.httpMethod} is not allowed here; use ${allowed.join(' or ')}`);
      const given = keyOf(event.headers);
      const now = Date.now();
      const viewer = await viewerOf(event);
      const found = row.auth === 'none' && !given ? null : await authenticate(given, viewer.address || 'unknown', now);
      const principal = row.auth === 'none' ? found : authorize(found, row.auth);
      const body = (bodies as Record<string, RouteBody>)[`${row.method} ${row.path}`]!;
      const answer = await body({ event, params: match!.params, principal, viewer, now });
      return answer instanceof RawAnswer || answer instanceof StreamAnswer ? answer.result : success(answer);
    } catch (error) {
      const statusCode = statusOf(error);
      if (statusCode >= 500) {
        console.error(JSON.stringify({ level: 'error', path: event.path, error: String(error) }));
      }
      const message =
        statusCode === 500 ? 'Internal error' : error instanceof Error ? error.message : String(error);
      const headers: Record<string, string> = statusCode === 405 ? { Allow: [...allowed, 'OPTIONS'].join(', ') } : {};
      if (statusCode === 503 || statusCode === 429) headers['Retry-After'] = String(RETRY_AFTER_S);
      const plausible = rows.some((row) => row.path === path && 'answers' in row && row.answers === 'plausible');
      return (plausible ? plainFailure : failure)(statusCode, message, headers);
    }
  };
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/** The request body as text, whether API Gateway passed it as is or base64-encoded. */
export function bodyText(event: APIGatewayProxyEvent): string {
  return event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
}

/** A JSON request body, or a 400. */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  try {
    return JSON.parse(bodyText(event));
  } catch {
    throw new BadRequestError('body must be JSON');
  }
}
