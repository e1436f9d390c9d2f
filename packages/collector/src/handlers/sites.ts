import { routeOf } from '@liveinsight/contract';
import { route } from '../http/route.js';
import { getSites } from '../service/sites.js';

/** GET /api/sites — the sites that have data, for the dashboard's picker. */
export const handler = route(routeOf('sites'), async () => getSites(Date.now()));
