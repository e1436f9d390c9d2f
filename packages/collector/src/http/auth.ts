import { timingSafeEqual, createHash } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';

/** The read key, if one is configured (always in AWS; locally when LIVEINSIGHT_API_KEY is set). */
export function configuredApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.LIVEINSIGHT_API_KEY || undefined;
}

/** Header lookup that ignores case: API Gateway keeps the client's spelling. */
export function header(headers: Record<string, string | undefined> | null, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) return headers[key];
  }
  return undefined;
}

/** True when the request carries the configured key (compared in constant time). */
export function hasValidKey(headers: Record<string, string | undefined> | null): boolean {
  const expected = configuredApiKey();
  const given = header(headers, 'x-api-key');
  if (!expected || !given) return false;
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function checkReadKey(headers: Record<string, string | undefined> | null): void {
  if (!configuredApiKey()) return;
  if (!header(headers, 'x-api-key')) throw new UnauthorizedError('Missing X-API-Key header');
  if (!hasValidKey(headers)) throw new UnauthorizedError('Invalid API key');
}
