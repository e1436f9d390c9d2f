import { routeOf } from '@liveinsight/contract';
import { route } from '../http/route.js';
import { getStats } from '../service/stats.js';
import { parseStatsQuery } from '../service/validate.js';

/** GET /api/stats?site_id=S&period=…|from=…&to=… [&interval=hour|day] [&filter=dim:value] [&include=health] */
export const handler = route(routeOf('stats'), async (event) =>
  getStats(parseStatsQuery(event.queryStringParameters), Date.now()),
);
