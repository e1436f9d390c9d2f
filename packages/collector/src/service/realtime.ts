import type { RealtimeData, RealtimeRow } from '@liveinsight/contract';
import { floorTo, HOUR_MS, iso, MINUTE_MS, minuteOfHour } from '../lib/time.js';
import { hourPk, totalKeys } from '../store/keys.js';
import { queryActiveSessions } from '../store/sessions-store.js';
import { getItems } from '../store/stats-store.js';
import { DIRECT, UNKNOWN } from '@liveinsight/contract';
import type { RealtimeQuery } from './validate.js';

const PER_MINUTE_WINDOW = 30;

/**
 * GET /api/realtime: the sessions active in the window come from the ActivityIndex
 * shards (each Query reads only its newest entries); page views per minute come from
 * the per-minute counters of the current and previous hour's `total` items.
 */
export async function getRealtime(query: RealtimeQuery, now: number): Promise<RealtimeData> {
  const firstMinute = floorTo(now, MINUTE_MS) - (PER_MINUTE_WINDOW - 1) * MINUTE_MS;
  const hours = [...new Set([floorTo(firstMinute, HOUR_MS), floorTo(now, HOUR_MS)])];
  const [sessions, counters] = await Promise.all([
    queryActiveSessions(query.siteId, now - query.minutes * MINUTE_MS, now),
    getItems(hours.flatMap((hour) => totalKeys().map((sk) => ({ pk: hourPk(query.siteId, hour), sk })))),
  ]);
  const pages = new Map<string, number>();
  const referrers = new Map<string, number>();
  for (const session of sessions) {
    const page = session.exit_page ?? UNKNOWN;
    pages.set(page, (pages.get(page) ?? 0) + 1);
    const source = session.src || DIRECT;
    referrers.set(source, (referrers.get(source) ?? 0) + 1);
  }
  const perMinute = Array.from({ length: PER_MINUTE_WINDOW }, (_, i) => {
    const t = firstMinute + i * MINUTE_MS;
    const pk = hourPk(query.siteId, t);
    const attribute = `m${minuteOfHour(t)}`;
    const pageviews = counters.filter((item) => item.pk === pk).reduce((sum, item) => sum + Number((item as Record<string, unknown>)[attribute] ?? 0), 0);
    return { t: iso(t), pageviews };
  });
  return {
    site_id: query.siteId,
    minutes: query.minutes,
    active_sessions: sessions.length,
    pages: rows(pages),
    referrers: rows(referrers),
    per_minute: perMinute,
  };
}

function rows(map: Map<string, number>): RealtimeRow[] {
  return [...map]
    .map(([value, sessions]) => ({ value, sessions }))
    .sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
}
