import type { SitesData } from '@liveinsight/contract';
import { bucketStarts, floorTo, HOUR_MS, iso } from '../lib/time.js';
import { hourPk, METRIC, splitBucketPk, totalKeys } from '../store/keys.js';
import { getItems, listSites } from '../store/stats-store.js';

/**
 * GET /api/sites: the registry item per site (written once, when a site's first event
 * arrives) and each site's last 24 hourly totals. Reads grow with the number of sites,
 * never with traffic.
 */
export async function getSites(now: number): Promise<SitesData> {
  const sites = await listSites();
  const hours = bucketStarts(floorTo(now, HOUR_MS) - 23 * HOUR_MS, now + 1, HOUR_MS);
  const items = await getItems(sites.flatMap(({ siteId }) => hours.flatMap((h) => totalKeys().map((sk) => ({ pk: hourPk(siteId, h), sk })))));
  const pageviews = new Map<string, number>();
  for (const item of items) {
    const { site: siteId } = splitBucketPk(item.pk);
    pageviews.set(siteId, (pageviews.get(siteId) ?? 0) + Number(item[METRIC.pageviews] ?? 0));
  }
  return {
    sites: sites
      .map(({ siteId, firstSeen }) => ({ site_id: siteId, pageviews_24h: pageviews.get(siteId) ?? 0, first_seen: iso(firstSeen) }))
      .sort((a, b) => b.pageviews_24h - a.pageviews_24h || (a.site_id < b.site_id ? -1 : 1)),
  };
}
