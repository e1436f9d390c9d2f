import { route, jsonBody } from '../http/route.js';
import { authorize, createKey, describeKey, listKeys, parseCreateKey, revokeKey } from '../service/access.js';
import { parseSettings } from '../service/settings.js';
import { createSite, deleteSite, parseCreateSite, replaceSettings, siteSettings } from '../service/site-admin.js';

/** Sites, their settings and API keys. The route table says which scope each needs. */
export const handler = route('admin', {
  'POST /api/sites': async ({ event, now }) => createSite(parseCreateSite(jsonBody(event)), now),
  'DELETE /api/sites/{site}': async ({ params }) => deleteSite(params.site!),
  'GET /api/sites/{site}/settings': async ({ params, principal }) => {
    authorize(principal, 'read', params.site);
    return siteSettings(params.site!);
  },
  'PUT /api/sites/{site}/settings': async ({ event, params, now }) => replaceSettings(params.site!, parseSettings(jsonBody(event)), now),
  'GET /api/keys': async () => ({ keys: await listKeys() }),
  'POST /api/keys': async ({ event, now }) => createKey(parseCreateKey(jsonBody(event)), now),
  'DELETE /api/keys/{name}': async ({ params, now }) => revokeKey(params.name!, now),
  'GET /api/key': async ({ principal }) => ({ key: await describeKey(principal!) }),
});
