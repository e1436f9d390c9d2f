import { describe, expect, it } from 'vitest';
import { shortHash } from '../../src/lib/hash.js';
import { dayLabel, MINUTE_MS } from '../../src/lib/time.js';
import { contribution, IDLE_MS, kindOf, planCommit, type CountedEvent } from '../../src/service/session-math.js';
import { mergeByItem, sortKeyOf, type Increment } from '../../src/store/increments.js';
import { dayPk, FAMILY, METRIC } from '../../src/store/keys.js';
import type { SessionItem } from '../../src/store/sessions-store.js';

// The pure layer: no store. What session-math promises is that a session's counts are
// sums, so that a session sent in any number of batches counts as if sent in one.

const SITE = 'unit.test';
const SESSION = 's-unit@unit.test';
const T0 = Date.UTC(2026, 11, 3, 23, 20);

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
}

function event(index: number, time: number, type: string, path = '/'): CountedEvent {
  return {
    index,
    kind: kindOf(type),
    eventType: type,
    siteId: SITE,
    sessionId: SESSION,
    idHash: `id${index}`,
    time,
    page: { path, host: SITE, utmSource: '', utmMedium: '', utmCampaign: '' },
    referrerHost: 'ref.example',
    props: type === 'signup' ? [['plan', 'pro']] : [],
    sender: { userAgent: 'ua', address: '192.0.2.1', br: 'Firefox', os: 'Linux', dev: 'desktop', cc: 'NZ' },
  };
}

/** What the sessions store leaves after a commit (sessions-store.ts commitSession), for a batch that is the latest. */
function committed(old: SessionItem | undefined, events: CountedEvent[]): SessionItem {
  const plan = planCommit(events, true, { receivedAt: T0, trusted: true });
  const next: Record<string, unknown> = { ...old, session_id: plan.sessionId };
  for (const [k, v] of Object.entries(plan.setIfMissing)) if (v !== undefined && next[k] === undefined) next[k] = v;
  for (const [k, v] of Object.entries(plan.setIfLatest)) if (v !== undefined) next[k] = v;
  for (const [k, v] of Object.entries(plan.add)) next[k] = Number(next[k] ?? 0) + v;
  for (const [k, v] of Object.entries(plan.addToSets)) next[k] = new Set([...((next[k] as Set<string>) ?? []), ...v]);
  return next as unknown as SessionItem;
}

/** Counters per item, zeros dropped: a bounce added in one batch and taken back in the next is no bounce. */
function counts(increments: Increment[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const inc of mergeByItem(increments)) {
    const add = Object.fromEntries(Object.entries(inc.add).filter(([, v]) => v !== 0));
    if (Object.keys(add).length) out.set(`${inc.pk} ${sortKeyOf(inc)}`, add);
  }
  return out;
}

function inBatches(events: CountedEvent[], cuts: number[]): { increments: Increment[]; days: string[] } {
  const increments: Increment[] = [];
  const days: string[] = [];
  let old: SessionItem | undefined;
  let from = 0;
  for (const to of [...cuts, events.length]) {
    const batch = events.slice(from, to);
    from = to;
    if (!batch.length) continue;
    const c = contribution(batch, old);
    increments.push(...c.increments);
    days.push(...c.visitorDays.map((d) => d.day));
    old = committed(old, batch);
  }
  return { increments, days };
}

function randomSession(random: () => number): CountedEvent[] {
  const events: CountedEvent[] = [];
  let time = T0;
  const n = 1 + Math.floor(random() * 12);
  for (let i = 0; i < n; i++) {
    // Gaps straddle the idle rule and the UTC midnight after T0.
    time += Math.floor(random() * 50 * MINUTE_MS);
    const r = random();
    events.push(event(i, time, r < 0.6 ? 'page_view' : r < 0.8 ? 'signup' : 'engagement', `/p${Math.floor(random() * 3)}`));
  }
  return events;
}

describe('session math', () => {
  it('counts a session sent in any split into batches as if it were sent in one', () => {
    const random = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const events = randomSession(random);
      const whole = inBatches(events, []);
      const cuts = events.map((_, i) => i).filter((i) => i > 0 && random() < 0.5);
      const split = inBatches(events, cuts);
      expect(counts(split.increments), `trial ${trial}, cuts ${cuts}`).toEqual(counts(whole.increments));
      expect(split.days).toEqual(whole.days);
    }
  });

  it('counts what the events say, from first principles', () => {
    const random = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const events = randomSession(random).filter((e) => e.kind !== 'engagement');
      if (!events.length) continue;
      const c = counts(inBatches(events, []).increments);
      const views = events.filter((e) => e.kind === 'pageview');
      const customs = events.filter((e) => e.kind === 'custom');
      const start = dayPk(SITE, events[0]!.time);
      const sum = (metric: string, family: string, pkPrefix = `${SITE}#D#`) =>
        [...c].filter(([key]) => key.startsWith(pkPrefix) && key.split(' ')[1]!.startsWith(family)).reduce((n, [, add]) => n + (add[metric] ?? 0), 0);

      expect(sum(METRIC.pageviews, FAMILY.total)).toBe(views.length);
      expect(sum(METRIC.events, FAMILY.total)).toBe(customs.length);
      expect(sum(METRIC.sessions, FAMILY.total)).toBe(1);
      expect(c.get(`${start} total`)?.[METRIC.sessions]).toBe(1);
      expect(sum(METRIC.bounces, FAMILY.total)).toBe(views.length === 1 && customs.length === 0 ? 1 : 0);
      let duration = 0;
      for (let i = 1; i < events.length; i++) {
        const gap = events[i]!.time - events[i - 1]!.time;
        if (gap <= IDLE_MS) duration += gap;
      }
      expect(sum(METRIC.durationMs, FAMILY.total)).toBe(duration);
      // Every view but the session's last was followed by another; the first is the entry.
      expect(sum(METRIC.continues, FAMILY.page)).toBe(Math.max(0, views.length - 1));
      expect(sum(METRIC.entries, FAMILY.page)).toBe(views.length ? 1 : 0);
      for (const path of new Set(views.map((v) => v.page.path))) {
        const onDays = new Set(views.filter((v) => v.page.path === path).map((v) => dayLabel(v.time)));
        const pvs = [...onDays].reduce((n, day) => n + (c.get(`${SITE}#D#${day} page#${path}`)?.[METRIC.pageviews] ?? 0), 0);
        expect(pvs).toBe(views.filter((v) => v.page.path === path).length);
        // Unique per session: the page's first view carries the one `vi`.
        const vi = [...onDays].reduce((n, day) => n + (c.get(`${SITE}#D#${day} page#${path}`)?.[METRIC.visitors] ?? 0), 0);
        expect(vi).toBe(1);
      }
      expect(sum(METRIC.events, FAMILY.prop)).toBe(customs.length);
    }
  });

  it('plans the gate, the first-sight fields and the latest activity', () => {
    const events = [event(0, T0, 'page_view', '/a'), event(1, T0 + MINUTE_MS, 'signup'), event(2, T0 + 2 * MINUTE_MS, 'page_view', '/b')];
    const plan = planCommit([events[2]!, events[0]!, events[1]!], true, { receivedAt: T0 + 3 * MINUTE_MS, trusted: false });
    expect(plan.seen).toEqual(['id0', 'id1', 'id2']);
    expect(plan.setIfMissing).toMatchObject({ site_id: SITE, start_time: T0, entry_page: '/a', entry_time: T0, br: 'Firefox', cc: 'NZ' });
    expect(plan.setIfLatest).toMatchObject({ last_activity: T0 + 2 * MINUTE_MS, exit_page: '/b', vday: dayLabel(T0) });
    expect(plan.add).toEqual({ pv: 2, ce: 1 });
    expect(plan.addToSets.pg).toEqual([shortHash('/a', 8), shortHash('/b', 8)]);
    expect(plan.activeKey).toMatch(new RegExp(`^${SITE}#\\d$`));
    expect(plan.requireExisting).toBe(false);
    // A session idle past the active window leaves the ActivityIndex; engagement alone never starts one.
    expect(planCommit([events[0]!], true, { receivedAt: T0 + 31 * MINUTE_MS, trusted: false }).activeKey).toBeNull();
    expect(planCommit([event(3, T0, 'engagement')], true, { receivedAt: T0, trusted: false }).requireExisting).toBe(true);
  });
});
