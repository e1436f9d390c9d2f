import { jsonBody, route } from '../http/route.js';
import { rawJson } from '../http/response.js';
import { authorize } from '../service/access.js';
import { runQuery } from '../service/query.js';
import { parseQuery } from '../query/request.js';

/** POST /api/v2/query: Plausible's Stats API v2, answered from the rollups or the archive. */
export const handler = route('query', {
  'POST /api/v2/query': async ({ event, principal, now }) => {
    const plan = parseQuery(jsonBody(event), now);
    authorize(principal, 'read', plan.siteId);
    return rawJson(await runQuery(plan, now));
  },
});
