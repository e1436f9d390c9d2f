import { describe, expect, it } from 'vitest';
import { OTHER } from '@liveinsight/contract';
import { dayPk, dayPkOfLabel, FAMILY, hourPk, isDayPk, otherKey, parseSortKey, sortKey, splitBucketPk, totalKey, totalKeys } from '../../src/store/keys.js';
import { activeKey, sessionKey } from '../../src/store/sessions-store.js';
import { ACTIVITY_SHARDS } from '../../src/store/tables.js';

const NOON = Date.UTC(2026, 11, 3, 12, 34, 56);

describe('stats key layout', () => {
  it('splits every sort key back into exactly the parts it was built from', () => {
    const awkward = ['/a#b', '100%', '%23', '#', '', 'ü/日本', '%25#%', 'a\nb'];
    for (const a of awkward) for (const b of awkward) {
      const sk = sortKey(FAMILY.prop, a, b, 'v');
      expect(parseSortKey(sk)).toEqual({ family: FAMILY.prop, parts: [a, b, 'v'] });
    }
    expect(parseSortKey(sortKey(FAMILY.total))).toEqual({ family: 'total', parts: [] });
  });

  it('reads a total shard as its family, and lists every shard a reader must sum', () => {
    expect(parseSortKey('total~3').family).toBe('total');
    expect(totalKeys(1)).toEqual(['total']);
    expect(totalKeys(4)).toEqual(['total~0', 'total~1', 'total~2', 'total~3']);
    expect(totalKeys(4)).toContain(totalKey('any-session', 4));
    expect(totalKey('any-session', 1)).toBe('total');
  });

  it('names hour and day buckets by UTC time, and splits them back to their site', () => {
    const site = 'shop.example#eu';
    expect(hourPk(site, NOON)).toBe(`${site}#H#2026-12-03T12`);
    expect(dayPk(site, NOON)).toBe(dayPkOfLabel(site, '2026-12-03'));
    expect(splitBucketPk(hourPk(site, NOON))).toEqual({ site, bucket: 'H#2026-12-03T12' });
    expect(splitBucketPk(dayPk(site, NOON))).toEqual({ site, bucket: 'D#2026-12-03' });
    expect(isDayPk(dayPk(site, NOON))).toBe(true);
    expect(isDayPk(hourPk('plain.example', NOON))).toBe(false);
    expect(() => splitBucketPk('~sites')).toThrow(/not a bucket key/);
  });

  it('folds an over-cap value into (other), keeping a property’s event and name', () => {
    expect(otherKey(FAMILY.page, ['/x'])).toBe(`page#${OTHER}`);
    expect(otherKey(FAMILY.source, ['a', 'b', 'c', 'd'])).toBe(sortKey(FAMILY.source, OTHER, OTHER, OTHER, OTHER));
    expect(otherKey(FAMILY.prop, ['signup', 'plan', 'pro'])).toBe(sortKey(FAMILY.prop, 'signup', 'plan', OTHER));
  });
});

describe('sessions key layout', () => {
  it('keeps one session per site, and spreads a site over every ActivityIndex shard', () => {
    expect(sessionKey('a.example', 's1')).not.toBe(sessionKey('b.example', 's1'));
    const shards = new Set(Array.from({ length: 400 }, (_, i) => activeKey('a.example', `session-${i}`)));
    expect([...shards].sort()).toEqual(Array.from({ length: ACTIVITY_SHARDS }, (_, i) => `a.example#${i}`).sort());
    expect(activeKey('a.example', 's1')).toBe(activeKey('a.example', 's1'));
  });
});
