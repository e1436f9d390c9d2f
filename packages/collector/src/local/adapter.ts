import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { StreamedResult } from '../http/response.js';

/** A route's handler as the local server calls it: a buffered proxy handler, or a streaming one's `respond`. */
export type LocalHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult | StreamedResult>;

/**
 * Turns a Node request into the API Gateway (REST, v1) proxy event that Lambda would
 * receive, so that the local stack runs the very handlers AWS runs.
 */
export function toProxyEvent(
  req: IncomingMessage,
  body: Buffer,
  url: URL,
  route: { resource: string; params: Record<string, string> } = { resource: url.pathname, params: {} },
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const hasQuery = url.searchParams.size > 0;
  const method = req.method ?? 'GET';
  return {
    httpMethod: method,
    path: url.pathname,
    resource: route.resource,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(route.params).length ? route.params : null,
    stageVariables: null,
    body: body.length ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      httpMethod: method,
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.resource,
      stage: 'local',
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

export function sendProxyResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | number | boolean | string[]> = { ...(result.headers ?? {}) };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '');
  res.writeHead(result.statusCode, { ...headers, 'Content-Length': body.length });
  res.end(body);
}

export async function sendAnswer(res: ServerResponse, result: APIGatewayProxyResult | StreamedResult): Promise<void> {
  if (typeof result.body === 'string') return sendProxyResult(res, result as APIGatewayProxyResult);
  const streamed = result as StreamedResult;
  // Chunked, as API Gateway streams it; a client gone mid-way ends the engine's read too.
  res.writeHead(streamed.statusCode, streamed.headers);
  await pipeline(Readable.from(streamed.body), res).catch(() => res.destroy());
}
