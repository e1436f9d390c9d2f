/**
 * An increment is one atomic ADD of counters to one rollup item. This module is the one
 * place that says which item an increment goes to and how increments of one item merge.
 */
import { FAMILY, sortKey, type Family } from './keys.js';

export interface Increment {
  pk: string;
  /**
   * The family and parts the sort key is made of; the cap may fold the parts into
   * (other). For `total` the one part is the literal sort key (`total` or a shard `total~n`).
   */
  family: Family;
  parts: string[];
  add: Record<string, number>;
  /**
   * Set once the admission step (service/admission.ts) has chosen this item for a value
   * that earlier batches of the day counted in `(other)`: when it was admitted (ms).
   */
  late?: number;
}

export function sortKeyOf(inc: Pick<Increment, 'family' | 'parts'>): string {
  return inc.family === FAMILY.total ? (inc.parts[0] ?? FAMILY.total) : sortKey(inc.family, ...inc.parts);
}

/** The item an increment goes to, as one string: increments with the same one merge. */
export const itemKey = (inc: Pick<Increment, 'pk' | 'family' | 'parts'>): string => `${inc.pk}\n${sortKeyOf(inc)}`;

/** Adds `counters` into `into`, metric by metric. */
export function addInto(into: Record<string, number>, counters: Readonly<Record<string, number>>): Record<string, number> {
  for (const [metric, amount] of Object.entries(counters)) into[metric] = (into[metric] ?? 0) + amount;
  return into;
}

/** Collects increments by item, so that each item gets one ADD with its counters summed. */
export class IncrementSet {
  private readonly items = new Map<string, Increment>();

  add(pk: string, family: Family, parts: string[], metric: string, amount: number): void {
    if (amount) this.merge({ pk, family, parts, add: { [metric]: amount } });
  }

  merge(increment: Increment): void {
    const key = itemKey(increment);
    let into = this.items.get(key);
    if (!into) this.items.set(key, (into = { ...increment, add: {} }));
    addInto(into.add, increment.add);
    if (increment.late !== undefined) into.late = Math.min(into.late ?? increment.late, increment.late);
  }

  list(): Increment[] {
    return [...this.items.values()];
  }
}

/** One increment per rollup item, counters summed. */
export function mergeByItem(increments: readonly Increment[]): Increment[] {
  const set = new IncrementSet();
  for (const increment of increments) set.merge(increment);
  return set.list();
}
