import { BadRequestError } from '../errors.js';
import { readHourTotals } from '../store/stats-store.js';

const HOUR_MS = 3600_000;

export interface StatsQuery {
  siteId: string;
  period: string;
  now: number;
}

/** Foundation slice: total page views over the last 24 hours, summed from hourly rollups. */
export async function getStats(query: StatsQuery) {
  if (query.period !== '24h') throw new BadRequestError(`Unsupported period: ${query.period}`);
  const from = Math.floor(query.now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const hours = Array.from({ length: 24 }, (_, i) => from + i * HOUR_MS);
  const totals = await readHourTotals(query.siteId, hours);
  return { totals: { pageviews: totals.reduce((sum, t) => sum + t.pageviews, 0) } };
}
