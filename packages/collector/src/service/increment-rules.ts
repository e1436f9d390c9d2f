/** Rules on a session's increments before they go to the rollups. */
import { OTHER } from '@liveinsight/contract';
import { FAMILY, isDayPk, totalKeys } from '../store/keys.js';
import { itemKey, type Increment } from '../store/increments.js';

/**
 * The invariant the stats cache rests on (store/day-cache.ts): every write to a day
 * bucket also changes that day's `total` item. Nearly every increment already comes with
 * one; the exceptions (a page view followed, in a later batch, on another day; the bounce
 * of an entry page on another day than the session start) get a `w` tick.
 */
export function touchDayTotals(increments: Increment[]): Increment[] {
  const touched = new Set(increments.filter((i) => i.family === FAMILY.total).map((i) => i.pk));
  const ticks: Increment[] = [];
  for (const { pk } of increments) {
    if (touched.has(pk) || !isDayPk(pk)) continue;
    touched.add(pk);
    ticks.push({ pk, family: FAMILY.total, parts: [totalKeys()[0]!], add: { w: 1 } });
  }
  return ticks.length ? [...increments, ...ticks] : increments;
}

/** Distinct property items one session's batch may write; past it a property counts as `prop#{name}#(other)#(other)`. */
export const PROP_ITEMS_PER_BATCH = 200;

/**
 * Bounds the writes one small request can cause: 50 events × 30 properties would
 * otherwise be 1,500 items, each a write (three when over the day's cap).
 */
export function limitProps(increments: readonly Increment[]): Increment[] {
  const items = new Set<string>();
  return increments.map((increment) => {
    if (increment.family !== FAMILY.prop) return increment;
    const key = itemKey(increment);
    if (items.has(key)) return increment;
    if (items.size < PROP_ITEMS_PER_BATCH) {
      items.add(key);
      return increment;
    }
    return { ...increment, parts: [increment.parts[0] ?? '', OTHER, OTHER] };
  });
}
