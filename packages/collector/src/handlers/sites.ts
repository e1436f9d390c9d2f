import { route } from '../http/route.js';

/** GET /api/sites — filled in by the collector issue. */
export const handler = route({ method: 'GET', auth: 'read' }, async () => ({ sites: [] }));
