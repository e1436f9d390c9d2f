import { jsonBody, route } from '../http/route.js';
import { rawJson, rawText } from '../http/response.js';
import { authorize } from '../service/access.js';
import { exportEvents, parseExport } from '../service/export.js';
import { runQuery } from '../service/query.js';
import { parseQuery } from '../query/request.js';

/**
 * POST /api/v2/query: Plausible's Stats API v2 (rollups or the archive). GET /api/export:
 * a window's archived events, deduplicated, as NDJSON or CSV.
 */
export const handler = route('query', {
  'POST /api/v2/query': async ({ event, principal, now }) => {
    const plan = parseQuery(jsonBody(event), now);
    authorize(principal, 'read', plan.siteId);
    return rawJson(await runQuery(plan, now));
  },
  'GET /api/export': async ({ event, principal }) => {
    const query = parseExport(event.queryStringParameters);
    authorize(principal, 'read', query.siteId);
    const { body, contentType } = await exportEvents(query);
    return rawText(body, contentType, { 'Content-Disposition': `attachment; filename="${query.siteId}-${query.fromLabel}-${query.toLabel}.${query.format}"` });
  },
});
