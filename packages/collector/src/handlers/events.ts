import { BadRequestError } from '../errors.js';
import { route } from '../http/route.js';
import { ingest } from '../service/ingest.js';

/** POST /api/events — the body is JSON whatever the Content-Type (sendBeacon sends text/plain). */
export const handler = route({ method: 'POST', auth: 'none' }, async (event) => {
  if (!event.body) throw new BadRequestError('Body is empty');
  const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return ingest({ body, receivedAt: Date.now() });
});
