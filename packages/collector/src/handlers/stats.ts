import { route } from '../http/route.js';
import { authorize } from '../service/access.js';
import { getStats } from '../service/stats.js';
import { parseStatsQuery } from '../service/validate.js';

/** GET /api/stats?site_id=S&period=…|from=…&to=… [&interval=hour|day] [&filter=dim:value] [&include=health] */
export const handler = route('stats', {
  'GET /api/stats': async ({ event, principal, now }) => {
    const query = parseStatsQuery(event.queryStringParameters);
    authorize(principal, 'read', query.siteId);
    return getStats(query, now);
  },
});
