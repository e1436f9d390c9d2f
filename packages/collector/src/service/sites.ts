import type { SitesData } from '@liveinsight/contract';
import { bucketStarts, floorTo, HOUR_MS, iso } from '../lib/time.js';
import { hourPk, METRIC, splitBucketPk, totalKeys } from '../store/keys.js';
import { listSites } from '../store/sites-store.js';
import { getItems } from '../store/stats-store.js';
import { maySite, type Principal } from './access.js';
import { droppedDays } from './health.js';

/**
 * GET /api/sites: the registered sites the key may read, with each one's last 24 hourly
 * totals, and for an admin what was dropped for the deployment (unknown sites, foreign
 * hosts). Reads grow with the number of sites, never with traffic.
 */
export async function getSites(now: number, principal: Principal): Promise<SitesData> {
  const sites = (await listSites()).filter((site) => maySite(principal, site.site_id));
  const hours = bucketStarts(floorTo(now, HOUR_MS) - 23 * HOUR_MS, now + 1, HOUR_MS);
  const items = await getItems(sites.flatMap(({ site_id }) => hours.flatMap((h) => totalKeys().map((sk) => ({ pk: hourPk(site_id, h), sk })))));
  const pageviews = new Map<string, number>();
  for (const item of items) {
    const { site: siteId } = splitBucketPk(item.pk);
    pageviews.set(siteId, (pageviews.get(siteId) ?? 0) + Number(item[METRIC.pageviews] ?? 0));
  }
  return {
    sites: sites
      .map(({ site_id, created_at }) => ({ site_id, pageviews_24h: pageviews.get(site_id) ?? 0, first_seen: iso(created_at) }))
      .sort((a, b) => b.pageviews_24h - a.pageviews_24h || (a.site_id < b.site_id ? -1 : 1)),
    ...(principal.scopes.has('admin') ? { dropped: await droppedDays(now) } : {}),
  };
}
