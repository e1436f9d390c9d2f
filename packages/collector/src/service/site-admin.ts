/**
 * Creating, configuring and deleting sites (the admin API). Deleting a site removes
 * everything stored under it: the registry item with its settings, every rollup, visitor
 * marker and cap of its buckets, its sessions, and its name from keys' site lists. Records still on the events stream
 * when it goes are counted by the consumer as they arrive, so delete a site once its
 * traffic has stopped (or delete it again after the stream's retention).
 */
import { SITE_ID, type CreateSiteRequest, type DeletedSiteData, type SiteSettings, type SiteSettingsData } from '@liveinsight/contract';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { deleteSiteSessions } from '../store/sessions-store.js';
import { deleteSite as deleteSiteItem, getSite, putSettings, putSite, type SiteItem } from '../store/sites-store.js';
import { deleteSiteItems } from '../store/stats-store.js';
import { forgetSiteInKeys } from './access.js';
import { forgetSite } from './site-registry.js';
import { parseHostnames, storedSettings } from './settings.js';

const data = (item: SiteItem): SiteSettingsData => ({
  site_id: item.site_id,
  created_at: new Date(item.created_at).toISOString(),
  settings: storedSettings(item.settings),
});

export function parseCreateSite(body: unknown): CreateSiteRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object');
  const { site_id: siteId, hostnames, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new BadRequestError(`${unknown} is not a site field (site_id, hostnames)`);
  if (typeof siteId !== 'string' || !SITE_ID.test(siteId)) throw new BadRequestError('site_id must be 1-100 characters of [A-Za-z0-9._:-]');
  return { site_id: siteId, ...(hostnames !== undefined ? { hostnames: parseHostnames(hostnames) } : {}) };
}

export async function createSite(request: CreateSiteRequest, now = Date.now()): Promise<SiteSettingsData> {
  const settings: SiteSettings = request.hostnames?.length ? { hostnames: request.hostnames } : {};
  const item: SiteItem = { site_id: request.site_id, created_at: now, settings: JSON.stringify(settings) };
  if (!(await putSite(item))) throw new ConflictError(`Site ${request.site_id} exists`);
  forgetSite(request.site_id);
  return data(item);
}

export async function siteSettings(siteId: string): Promise<SiteSettingsData> {
  const item = await getSite(siteId);
  if (!item) throw new NotFoundError(`No site ${siteId}`);
  return data(item);
}

export async function replaceSettings(siteId: string, settings: SiteSettings, now = Date.now()): Promise<SiteSettingsData> {
  const item = await putSettings(siteId, JSON.stringify(settings), now);
  if (!item) throw new NotFoundError(`No site ${siteId}`);
  forgetSite(siteId);
  return data(item);
}

export async function deleteSite(siteId: string): Promise<DeletedSiteData> {
  // The registry item first: from then on no new events are taken for the site.
  if (!(await deleteSiteItem(siteId))) throw new NotFoundError(`No site ${siteId}`);
  forgetSite(siteId);
  const [statsItems, sessions, keys] = await Promise.all([deleteSiteItems(siteId), deleteSiteSessions(siteId), forgetSiteInKeys(siteId)]);
  return { site_id: siteId, removed: { stats_items: statsItems, sessions, keys } };
}
