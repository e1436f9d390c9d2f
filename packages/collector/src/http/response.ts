import type { APIGatewayProxyResult } from 'aws-lambda';
import { CORS_HEADERS } from '@liveinsight/contract';

const JSON_HEADERS = {
  ...CORS_HEADERS,
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
} as const;

/** The original deployment's envelope: `{"status":"success","data":{...}}`. */
export function success(data: unknown, statusCode = 200): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ status: 'success', data }),
  };
}

/** `{"status":"error","message":"..."}` with the status code that names the fault. */
export function failure(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({ status: 'error', message }),
  };
}

/**
 * What a route body returns to answer outside the envelope: Plausible's Stats API v2 shape
 * (`{results, meta, query}`), or an export's NDJSON or CSV.
 */
export class RawAnswer {
  constructor(readonly result: APIGatewayProxyResult) {}
}

/**
 * A proxy result whose body is written as it is made: an export of any size. API Gateway
 * streams it (the integration's response transfer mode STREAM, lambda/streaming.ts);
 * the local server writes it chunked.
 */
export interface StreamedResult {
  statusCode: number;
  headers: Record<string, string>;
  body: AsyncIterable<string>;
}

/** What a streaming route's body returns; its status and headers are sent before the first chunk. */
export class StreamAnswer {
  constructor(readonly result: StreamedResult) {}
}

export function streamedText(chunks: AsyncIterable<string>, contentType: string, headers: Record<string, string> = {}): StreamAnswer {
  return new StreamAnswer({ statusCode: 200, headers: { ...CORS_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', ...headers }, body: chunks });
}

/** A whole result as a stream of one chunk: an error, or a preflight, on a streaming route. */
export async function* once(body: string): AsyncIterable<string> {
  if (body) yield body;
}

export function rawJson(body: unknown): RawAnswer {
  return new RawAnswer({ statusCode: 200, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) });
}

export function rawText(body: string, contentType: string, headers: Record<string, string> = {}): RawAnswer {
  return new RawAnswer({ statusCode: 200, headers: { ...CORS_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', ...headers }, body });
}

/** Plausible's error shape, `{"error": "..."}`, for the routes that answer as Plausible does. */
export function plainFailure(statusCode: number, message: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ error: message }) };
}

export function preflight(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { ...CORS_HEADERS }, body: '' };
}
