import { describe, expect, it } from 'vitest';
import { limitProps, PROP_ITEMS_PER_BATCH, touchDayTotals } from '../../src/service/increment-rules.js';
import { IncrementSet, itemKey, mergeByItem, type Increment } from '../../src/store/increments.js';
import { OTHER } from '@liveinsight/contract';
import { dayPkOfLabel, FAMILY } from '../../src/store/keys.js';

const D1 = dayPkOfLabel('inc.test', '2026-12-01');
const D2 = dayPkOfLabel('inc.test', '2026-12-02');
const H1 = 'inc.test#H#2026-12-01T10';

const page = (pk: string, path: string, add: Record<string, number>): Increment => ({ pk, family: FAMILY.page, parts: [path], add });

describe('increments', () => {
  it('merge into one per item, every counter summed', () => {
    const list = [page(D1, '/a', { pv: 1 }), page(D1, '/a', { pv: 2, vi: 1 }), page(D2, '/a', { pv: 1 }), page(D1, '/b', { pv: 5 }), page(D1, '/a', { vi: -1 })];
    const merged = mergeByItem(list);
    expect(merged).toHaveLength(3);
    const byItem = new Map(merged.map((inc) => [itemKey(inc), inc.add]));
    expect(byItem.get(itemKey(page(D1, '/a', {})))).toEqual({ pv: 3, vi: 0 });
    expect(byItem.get(itemKey(page(D2, '/a', {})))).toEqual({ pv: 1 });
    expect(byItem.get(itemKey(page(D1, '/b', {})))).toEqual({ pv: 5 });
    // The inputs are not changed.
    expect(list[0]!.add).toEqual({ pv: 1 });
  });

  it('tell items apart by their escaped sort key, not by joined text', () => {
    const a: Increment = { pk: D1, family: FAMILY.source, parts: ['x#y', ''], add: { se: 1 } };
    const b: Increment = { pk: D1, family: FAMILY.source, parts: ['x', 'y'], add: { se: 1 } };
    expect(mergeByItem([a, b])).toHaveLength(2);
  });

  it('skip a zero amount when collected', () => {
    const set = new IncrementSet();
    set.add(D1, FAMILY.event, ['signup'], 'ev', 0);
    set.add(D1, FAMILY.event, ['signup'], 'ev', 2);
    set.add(D1, FAMILY.event, ['signup'], 'vi', 1);
    expect(set.list()).toEqual([{ pk: D1, family: FAMILY.event, parts: ['signup'], add: { ev: 2, vi: 1 } }]);
  });
});

describe('increment rules', () => {
  it('tick the total of every day bucket written without one, and only those', () => {
    const list = [page(D1, '/a', { pv: 1 }), { pk: D1, family: FAMILY.total, parts: ['total'], add: { pv: 1 } }, page(D2, '/a', { co: 1 }), page(H1, '/x', { pv: 1 })];
    const ticked = touchDayTotals(list);
    const ticks = ticked.slice(list.length);
    expect(ticks).toEqual([{ pk: D2, family: FAMILY.total, parts: ['total'], add: { w: 1 } }]);
  });

  it('fold a batch’s properties past the item bound into (other), keeping each one’s count', () => {
    const props: Increment[] = Array.from({ length: PROP_ITEMS_PER_BATCH + 50 }, (_, i) => ({ pk: D1, family: FAMILY.prop, parts: ['buy', `k${i}`, 'v'], add: { ev: 1 } }));
    // A repeat of an admitted item stays itself, even after the bound is reached.
    props.push({ ...props[0]!, add: { ev: 4 } });
    const limited = limitProps(props);
    const folded = limited.filter((inc) => inc.parts[1] === OTHER);
    expect(folded).toHaveLength(50);
    expect(folded.every((inc) => inc.parts[0] === 'buy' && inc.parts[2] === OTHER)).toBe(true);
    expect(mergeByItem(limited)).toHaveLength(PROP_ITEMS_PER_BATCH + 1);
    const total = (list: Increment[]) => list.reduce((n, inc) => n + (inc.add.ev ?? 0), 0);
    expect(total(limited)).toBe(total(props));
  });
});
