import type { RealtimeData, RealtimeRow } from '@liveinsight/contract';
import { floorTo, HOUR_MS, iso, MINUTE_MS, minuteOfHour } from '../lib/time.js';
import { hourPk, totalKeys } from '../store/keys.js';
import { getSessionDimensions, queryActiveSessions, type ActiveSession, type SessionDimensions } from '../store/sessions-store.js';
import { getItems } from '../store/stats-store.js';
import { DIRECT, UNKNOWN } from '@liveinsight/contract';
import type { RealtimeFilter, RealtimeQuery } from './validate.js';
import type { RealtimeFilterDimension } from '@liveinsight/contract';

const PER_MINUTE_WINDOW = 30;

/**
 * GET /api/realtime: the sessions active in the window come from the ActivityIndex
 * shards (each Query reads only its newest entries); page views per minute come from
 * the per-minute counters of the current and previous hour's `total` items. Filters
 * narrow the live sessions themselves: the page they are on and their source from the
 * index, their other dimensions (fixed by their first event) read from the sessions
 * table for the sessions the index listed. The per-minute counters are not narrowed.
 */
export async function getRealtime(query: RealtimeQuery, now: number): Promise<RealtimeData> {
  const firstMinute = floorTo(now, MINUTE_MS) - (PER_MINUTE_WINDOW - 1) * MINUTE_MS;
  const hours = [...new Set([floorTo(firstMinute, HOUR_MS), floorTo(now, HOUR_MS)])];
  const [active, counters] = await Promise.all([
    queryActiveSessions(query.siteId, now - query.minutes * MINUTE_MS, now),
    getItems(hours.flatMap((hour) => totalKeys().map((sk) => ({ pk: hourPk(query.siteId, hour), sk })))),
  ]);
  const sessions = query.filters.length ? await matching(active, query.filters) : active;
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
    ...(query.filters.length ? { filtered: true as const } : {}),
  };
}

type Live = ActiveSession & Partial<SessionDimensions>;

/** A live session's value of a dimension, as the rollups and this endpoint's rows write it. */
const VALUE_OF: Readonly<Record<RealtimeFilterDimension, (s: Live) => string>> = {
  page: (s) => s.exit_page ?? UNKNOWN,
  entry_page: (s) => s.entry_page ?? UNKNOWN,
  referrer: (s) => s.src || DIRECT,
  utm_source: (s) => s.us ?? '',
  utm_medium: (s) => s.um ?? '',
  utm_campaign: (s) => s.uc ?? '',
  country: (s) => s.cc ?? UNKNOWN,
  browser: (s) => s.br ?? UNKNOWN,
  os: (s) => s.os ?? UNKNOWN,
  device: (s) => s.dev ?? UNKNOWN,
};

/** What the index projects; any other dimension needs the session's item. */
const IN_INDEX = new Set<RealtimeFilterDimension>(['page', 'referrer']);

async function matching(active: ActiveSession[], filters: readonly RealtimeFilter[]): Promise<Live[]> {
  let sessions: Live[] = active;
  if (filters.some((f) => !IN_INDEX.has(f.dimension))) {
    const dimensions = new Map((await getSessionDimensions(active.map((s) => s.session_id))).map((d) => [d.session_id, d]));
    // A session deleted since the index listed it is gone: not live.
    sessions = active.filter((s) => dimensions.has(s.session_id)).map((s) => ({ ...dimensions.get(s.session_id), ...s }));
  }
  return sessions.filter((s) => filters.every((f) => holds(f, VALUE_OF[f.dimension](s))));
}

function holds(filter: RealtimeFilter, value: string): boolean {
  if (filter.op === 'contains') return value.toLowerCase().includes(filter.value.toLowerCase());
  return (value === filter.value) === (filter.op === 'is');
}

function rows(map: Map<string, number>): RealtimeRow[] {
  return [...map]
    .map(([value, sessions]) => ({ value, sessions }))
    .sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
}
