import { route } from '../http/route.js';
import { getSites } from '../service/sites.js';

/** GET /api/sites — the sites that have data, for the dashboard's picker. */
export const handler = route({ method: 'GET', auth: 'read' }, async () => getSites(Date.now()));
