import { route } from '../http/route.js';
import { authorize } from '../service/access.js';
import { getRealtime } from '../service/realtime.js';
import { parseRealtimeQuery } from '../service/validate.js';

/** GET /api/realtime?site_id=S&minutes=5[&filter=country:DE&filter=page:/pricing] */
export const handler = route('realtime', {
  'GET /api/realtime': async ({ event, principal, now }) => {
    const query = parseRealtimeQuery(event.queryStringParameters, event.multiValueQueryStringParameters?.filter ?? []);
    authorize(principal, 'read', query.siteId);
    return getRealtime(query, now);
  },
});
