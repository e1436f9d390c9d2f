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

export function preflight(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { ...CORS_HEADERS }, body: '' };
}
