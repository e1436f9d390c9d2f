/**
 * Sent on every response, errors included, so that browsers can read our error messages.
 * API Gateway's own responses (infra/lib/api.ts) send the same headers from this module.
 */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-API-Key, Authorization',
  'Access-Control-Max-Age': '86400',
} as const;
