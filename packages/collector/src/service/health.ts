/**
 * Ingestion health: per site and receive day, how many events were accepted, were
 * duplicates, came from bots, or were rejected (and why). Kept as extra counters on the
 * day's `total` item.
 */
import { dayLabel, DAY_MS } from '../lib/time.js';
import { dayPk, droppedPk, FAMILY, totalKey } from '../store/keys.js';
import { addCounters, getItems } from '../store/stats-store.js';
import type { Increment } from '../store/increments.js';
import type { DroppedDay, ReasonCode } from '@liveinsight/contract';
import type { RejectedEvent } from './validate.js';


const HEALTH = {
  accepted: 'h_acc',
  duplicates: 'h_dup',
  bots: 'h_bot',
  rejected: 'h_rej',
} as const;

export const HEALTH_REASON_PREFIX = 'hr_';

/** Per site and receive day: accepted, duplicates, bots, rejected (and by reason), on the day's total item. */
export function healthIncrements(
  receivedAt: number,
  counts: { accepted?: readonly { siteId: string }[]; duplicates?: readonly { siteId: string }[]; bots?: readonly { siteId: string }[]; rejected?: readonly RejectedEvent[] },
): Increment[] {
  const bySite = new Map<string, Record<string, number>>();
  const bump = (siteId: string, metric: string) => {
    let add = bySite.get(siteId);
    if (!add) bySite.set(siteId, (add = {}));
    add[metric] = (add[metric] ?? 0) + 1;
  };
  for (const e of counts.accepted ?? []) bump(e.siteId, HEALTH.accepted);
  for (const e of counts.duplicates ?? []) bump(e.siteId, HEALTH.duplicates);
  for (const e of counts.bots ?? []) bump(e.siteId, HEALTH.bots);
  for (const r of counts.rejected ?? []) {
    // An event without a readable site_id is counted for no site: there is no one to show it to.
    if (!r.siteId) continue;
    bump(r.siteId, HEALTH.rejected);
    bump(r.siteId, `${HEALTH_REASON_PREFIX}${r.code satisfies ReasonCode}`);
  }
  return [...bySite].map(([siteId, add]) => ({ pk: dayPk(siteId, receivedAt), family: FAMILY.total, parts: [totalKey(siteId)], add }));
}

export const HEALTH_METRIC = HEALTH;

/**
 * Writes the health counts of what never reaches the stream (bots, rejected events) with
 * plain ADDs; a failure is logged, not thrown: health counts are best-effort where exact
 * counting would cost a write per request.
 */
export async function recordHealthQuietly(increments: Increment[]): Promise<void> {
  if (!increments.length) return;
  try {
    await addCounters(increments);
  } catch (error) {
    console.error(JSON.stringify({ level: 'warn', msg: 'ingestion health not recorded', error: String(error) }));
  }
}

/** Why an event was stored nowhere: counted for the deployment, never per (unknown) site. */
export type DropReason = 'unknown_site' | 'foreign_host' | 'client_bound';

/** One item per receive day for the whole deployment, whatever site ids the events named. */
export function droppedIncrements(receivedAt: number, dropped: Readonly<Record<DropReason, number>>): Increment[] {
  const add = Object.fromEntries(Object.entries(dropped).filter(([, n]) => n > 0));
  return Object.keys(add).length ? [{ pk: droppedPk(dayLabel(receivedAt)), family: FAMILY.total, parts: [FAMILY.total], add }] : [];
}

/** What was dropped over the last `days` UTC days, oldest first. */
export async function droppedDays(now: number, days = 7): Promise<DroppedDay[]> {
  const labels = Array.from({ length: days }, (_, i) => dayLabel(now - (days - 1 - i) * DAY_MS));
  const items = await getItems(labels.map((day) => ({ pk: droppedPk(day), sk: FAMILY.total })));
  const byPk = new Map(items.map((item) => [item.pk, item]));
  return labels.map((date) => {
    const item = byPk.get(droppedPk(date));
    return { date, unknown_site: Number(item?.unknown_site ?? 0), foreign_host: Number(item?.foreign_host ?? 0), client_bound: Number(item?.client_bound ?? 0) };
  });
}
