import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ORIGIN_HEADER, ORIGIN_SECRET_ENV } from '../functions.js';
import { sameSecret } from '../lib/hash.js';
import { secretValue } from '../lambda/secrets.js';
import { header } from './auth.js';

/** Who sent a request, as far as it can be told: the client's address and country. */
export interface Viewer {
  address: string;
  /** CloudFront-Viewer-Country, where it can be believed. */
  country: string | undefined;
  /** Whether the request provably came through our CloudFront distribution. */
  viaEdge: boolean;
}

/** `198.51.100.7:46532` or `2001:db8::1:46532` (CloudFront's form) → the address alone. */
export function viewerAddress(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(trimmed);
  if (bracketed) return bracketed[1];
  const port = trimmed.lastIndexOf(':');
  return port > 0 && /^\d+$/.test(trimmed.slice(port + 1)) ? trimmed.slice(0, port) : trimmed;
}

/**
 * The viewer of a request. Behind our CloudFront distribution (it adds ORIGIN_HEADER with
 * a secret the functions read by ARN) the address is CloudFront-Viewer-Address, which
 * only CloudFront sets, then X-Forwarded-For's first hop where that is missing, and the
 * country header is believed. A request that reached API Gateway some other way may have
 * written any of those headers itself: its address is the one API Gateway saw, and it has
 * no country. Where no origin secret is configured (the local stack, tests) there is no
 * edge to prove, and the headers are taken as they come.
 */
export async function viewerOf(event: APIGatewayProxyEvent, env: NodeJS.ProcessEnv = process.env): Promise<Viewer> {
  const sourceIp = event.requestContext?.identity?.sourceIp ?? '';
  const arn = env[ORIGIN_SECRET_ENV];
  let viaEdge = !arn;
  if (arn) {
    const given = header(event.headers, ORIGIN_HEADER);
    viaEdge = given !== undefined && sameSecret(given, await secretValue(arn));
  }
  if (!viaEdge) return { address: sourceIp, country: undefined, viaEdge };
  const forwarded = header(event.headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  return {
    address: viewerAddress(header(event.headers, 'cloudfront-viewer-address')) || forwarded || sourceIp,
    country: header(event.headers, 'cloudfront-viewer-country'),
    viaEdge: Boolean(arn),
  };
}
