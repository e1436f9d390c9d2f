import type { StatsResponse } from '@liveinsight/collector/api-types';

/** Foundation slice: the 24-hour page view total of the site named in `#site=`. */
async function show(): Promise<void> {
  const site = new URLSearchParams(location.hash.slice(1)).get('site') ?? location.hostname;
  const target = document.getElementById('pageviews')!;
  const response = await fetch(`api/stats?site_id=${encodeURIComponent(site)}&period=24h`);
  const body = (await response.json()) as StatsResponse;
  target.textContent = body.status === 'success' ? String(body.data.totals.pageviews) : body.message;
}

void show();
