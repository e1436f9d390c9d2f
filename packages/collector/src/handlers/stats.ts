import { BadRequestError } from '../errors.js';
import { route } from '../http/route.js';
import { getStats } from '../service/stats.js';

/** GET /api/stats?site_id=S&period=24h */
export const handler = route({ method: 'GET', auth: 'read' }, async (event) => {
  const params = event.queryStringParameters ?? {};
  if (!params.site_id) throw new BadRequestError('site_id is required');
  return getStats({ siteId: params.site_id, period: params.period ?? '24h', now: Date.now() });
});
