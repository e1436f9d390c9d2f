import { routeOf } from '@liveinsight/contract';
import { route } from '../http/route.js';
import { getRealtime } from '../service/realtime.js';
import { parseRealtimeQuery } from '../service/validate.js';

/** GET /api/realtime?site_id=S&minutes=5 */
export const handler = route(routeOf('realtime'), async (event) =>
  getRealtime(parseRealtimeQuery(event.queryStringParameters), Date.now()),
);
