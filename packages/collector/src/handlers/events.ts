import { routeOf } from '@liveinsight/contract';
import { UnauthorizedError } from '../errors.js';
import { hasValidKey, header } from '../http/auth.js';
import { route } from '../http/route.js';
import { ingest } from '../service/ingest.js';

/** POST /api/events — the body is JSON whatever the Content-Type (sendBeacon sends text/plain). */
export const handler = route(routeOf('events'), async (event) => {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  // A key marks a trusted backfill; a wrong one is refused rather than quietly ignored.
  const trusted = hasValidKey(event.headers);
  if (header(event.headers, 'x-api-key') !== undefined && !trusted) throw new UnauthorizedError('Invalid API key');
  return ingest(body, {
    receivedAt: Date.now(),
    userAgent: header(event.headers, 'user-agent') ?? event.requestContext?.identity?.userAgent ?? '',
    forwardedFor: header(event.headers, 'x-forwarded-for'),
    sourceIp: event.requestContext?.identity?.sourceIp,
    country: header(event.headers, 'cloudfront-viewer-country'),
    trusted,
  });
});
