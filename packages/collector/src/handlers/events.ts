import { ForbiddenError } from '../errors.js';
import { header } from '../http/auth.js';
import { bodyText, route } from '../http/route.js';
import { ingest } from '../service/ingest.js';

/**
 * POST /api/events — the body is JSON whatever the Content-Type (sendBeacon sends
 * text/plain). A key makes the POST a backfill, trusted with its timestamps: it needs the
 * backfill scope (a read key never makes a POST trusted), and a wrong key is a 401 rather
 * than quietly untrusted.
 */
export const handler = route('events', {
  'POST /api/events': async ({ event, principal, viewer, now }) => {
    if (principal && !principal.scopes.has('backfill')) {
      throw new ForbiddenError('This key has no backfill scope; send events without a key, or with a backfill key');
    }
    return ingest(bodyText(event), {
      receivedAt: now,
      userAgent: header(event.headers, 'user-agent') ?? event.requestContext?.identity?.userAgent ?? '',
      sourceIp: viewer.address,
      country: viewer.country,
      trusted: principal !== null,
      backfillSites: principal?.sites ?? null,
      keyed: principal !== null,
    });
  },
});
