/**
 * Day partitions as GET /api/stats reads them, with a per-process cache of the days
 * that did not change. A day bucket only changes through writes that also change its
 * `total` item (an invariant the ingestion keeps: see `touchDayTotals` in the service),
 * so the total items — one small BatchGet for the whole window — tell which cached days
 * are still current. Closed days are read once per process; today is read every time.
 */
import { onStoreReset } from './client.js';
import { getItems, queryPartitions, type StatsItem } from './stats-store.js';
import { tableName } from './tables.js';
import { totalKeys } from './keys.js';

interface CachedDay {
  fingerprint: string;
  items: StatsItem[];
}

const cache = new Map<string, CachedDay>();
const CACHE_LIMIT = 2_000;
onStoreReset(() => cache.clear());

/** Off with LIVEINSIGHT_STATS_CACHE=off (read at request time; the bench measures both ways). */
const cacheEnabled = () => process.env.LIVEINSIGHT_STATS_CACHE !== 'off';

function fingerprintOf(totals: StatsItem[]): string {
  return totals
    .map((item) =>
      Object.keys(item)
        .sort()
        .map((key) => `${key}=${String(item[key])}`)
        .join(','),
    )
    .sort()
    .join('|');
}

export interface DayRead {
  items: Map<string, StatsItem[]>;
  /** Items fetched from the store (the cache saves the rest). */
  itemsRead: number;
}

export async function readDayPartitions(pks: readonly string[]): Promise<DayRead> {
  if (!cacheEnabled()) {
    const items = await queryPartitions(pks);
    return { items, itemsRead: [...items.values()].reduce((sum, list) => sum + list.length, 0) };
  }
  const totals = await getItems(pks.flatMap((pk) => totalKeys().map((sk) => ({ pk, sk }))));
  let itemsRead = totals.length;
  const totalsByPk = new Map<string, StatsItem[]>();
  for (const item of totals) totalsByPk.set(item.pk, [...(totalsByPk.get(item.pk) ?? []), item]);
  const table = tableName('stats');
  const out = new Map<string, StatsItem[]>();
  const stale: { pk: string; fingerprint: string }[] = [];
  for (const pk of pks) {
    const fingerprint = fingerprintOf(totalsByPk.get(pk) ?? []);
    const cached = cache.get(`${table}\n${pk}`);
    if (cached && cached.fingerprint === fingerprint) out.set(pk, cached.items);
    else stale.push({ pk, fingerprint });
  }
  if (stale.length) {
    // Consistent reads: what is cached must be at least as new as the fingerprint it is filed under.
    const fresh = await queryPartitions(
      stale.map((s) => s.pk),
      undefined,
      true,
    );
    for (const { pk, fingerprint } of stale) {
      const items = fresh.get(pk) ?? [];
      itemsRead += items.length;
      out.set(pk, items);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(`${table}\n${pk}`, { fingerprint, items });
    }
  }
  return { items: out, itemsRead };
}
