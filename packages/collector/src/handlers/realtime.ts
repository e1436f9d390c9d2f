import { BadRequestError } from '../errors.js';
import { route } from '../http/route.js';

/** GET /api/realtime — filled in by the collector issue. */
export const handler = route({ method: 'GET', auth: 'read' }, async (event) => {
  const params = event.queryStringParameters ?? {};
  if (!params.site_id) throw new BadRequestError('site_id is required');
  return { active_sessions: 0, pages: [], referrers: [], per_minute: [] };
});
