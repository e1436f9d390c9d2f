import { streamedText } from '../http/response.js';
import { streamingRoute } from '../http/route.js';
import { lambdaStreaming } from '../lambda/streaming.js';
import { authorize } from '../service/access.js';
import { exportEvents, parseExport } from '../service/export.js';

/**
 * GET /api/export: a window's archived events, deduplicated, as NDJSON or CSV, streamed.
 * `respond` is the handler as the local server calls it; `handler` is Lambda's, which API
 * Gateway invokes with response streaming.
 */
export const respond = streamingRoute('export', {
  'GET /api/export': async ({ event, principal }) => {
    const query = parseExport(event.queryStringParameters);
    authorize(principal, 'read', query.siteId);
    const { lines, contentType } = await exportEvents(query);
    return streamedText(lines, contentType, { 'Content-Disposition': `attachment; filename="${query.siteId}-${query.fromLabel}-${query.toLabel}.${query.format}"` });
  },
});

export const handler = lambdaStreaming(respond);
