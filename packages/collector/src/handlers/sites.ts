import { route } from '../http/route.js';
import { getSites } from '../service/sites.js';

/** GET /api/sites — the registered sites the key may read, for the dashboard's picker. */
export const handler = route('sites', {
  'GET /api/sites': async ({ principal, now }) => getSites(now, principal!),
});
