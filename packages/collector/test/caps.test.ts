import { describe, expect, it } from 'vitest';
import { OTHER } from '@liveinsight/contract';
import { DEFAULT_CAPS, dayPk } from '../src/store/keys.js';
import { openSlots, slotsOpenTo } from '../src/service/admission.js';
import { queryPartitions } from '../src/store/stats-store.js';
import { CHROME_UA, ingestOk, newSessionId, stats, useApiKey, wireEvent } from './support/api.js';
import { useTestStore } from './support/store.js';

useTestStore();
useApiKey('caps-test-key');

/** One machine rotating its User-Agent: each one is a visitor, up to the per-client bound. */
const rotated = (i: number) => CHROME_UA.replace('131.0.0.0', `131.0.${i}.0`);

/** The attack of the issue: 24 anonymous requests from one client, 1,000 junk paths and 200 junk event names. */
async function poison(site: string, attacker: string): Promise<void> {
  const junk = [
    ...Array.from({ length: 1000 }, (_, i) => ({ url: `https://${site}/junk-${i}` })),
    ...Array.from({ length: 200 }, (_, i) => ({ url: `https://${site}/`, type: `junk_${i}` })),
  ];
  const per = Math.ceil(junk.length / 24);
  for (let r = 0; r < 24; r++) {
    const session = newSessionId('attack');
    const events = junk.slice(r * per, (r + 1) * per).map((j, i) => wireEvent({ session, at: Date.now() - 60_000 + i, site, ...j }));
    await ingestOk({ events, sent_at: Date.now() }, { ip: attacker, userAgent: rotated(r) });
  }
}

/** A real visitor from an address of their own. */
async function visit(site: string, n: number, pages: string[], event?: string): Promise<void> {
  const session = newSessionId('real');
  const at = Date.now() - 30_000;
  const events = pages.map((path, i) => wireEvent({ session, at: at + i * 1000, site, url: `https://${site}${path}` }));
  if (event) events.push(wireEvent({ session, at: at + pages.length * 1000, site, type: event, url: `https://${site}${pages.at(-1)}` }));
  await ingestOk({ events, sent_at: Date.now() }, { ip: `198.51.100.${n}` });
}

const rows = async (site: string, prefix: string) => (await queryPartitions([dayPk(site, Date.now())], prefix, true)).get(dayPk(site, Date.now())) ?? [];

describe('the caps cannot be poisoned', () => {
  it('after one client fills half the slots with junk, real pages and events still get rows of their own', async () => {
    const site = 'poisoned.test';
    await poison(site, '203.0.113.66');
    const real = 6;
    for (let n = 1; n <= real; n++) await visit(site, n, ['/pricing', '/docs'], 'signup');

    const data = await stats({ site_id: site, period: 'today' });
    // Junk event names are custom events, not page views.
    expect(data.totals.pageviews).toBe(1000 + 2 * real);
    const pages = Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews]));
    // The first real visitor is one client, as the attacker is: weight 1, counted in (other).
    // The second makes two clients, which the second half admits; the rest count in the row.
    expect(pages['/pricing']).toBe(real - 1);
    expect(pages['/docs']).toBe(real - 1);
    const events = data.breakdowns.events;
    expect(events.find((e) => e.value === 'signup')?.count).toBe(real - 1);
    // One (other) row for events, holding the junk the first half did not take and the first signup.
    expect(events.filter((e) => e.value === OTHER)).toHaveLength(1);
    expect(events.reduce((sum, e) => sum + e.count, 0)).toBe(200 + real);

    // The junk took at most the half of the slots that goes first come.
    const junkPages = (await rows(site, 'page#')).filter((item) => /junk-/.test(item.sk));
    expect(junkPages.length).toBe(openSlots(DEFAULT_CAPS.page!));
    const junkEvents = (await rows(site, 'event#')).filter((item) => /junk_/.test(item.sk));
    expect(junkEvents.length).toBe(openSlots(DEFAULT_CAPS.event!));

    // Admitted late, so their first counts stay in (other): meta says so.
    const late = data.meta.late_values.map((v) => `${v.breakdown} ${v.value}`);
    expect(late).toEqual(expect.arrayContaining(['pages /pricing', 'pages /docs', 'events signup']));
    expect(data.meta.exact.breakdowns).toBe(false);
    expect(data.meta.approximations.map((a) => a.reason).join(' ')).toMatch(/late_values/);
  });

  it('one client weighs one, however many visitors and sessions it brings: its junk never passes the first half', async () => {
    const site = 'spammed.test';
    const attacker = '203.0.113.67';
    await poison(site, attacker);
    // The attacker now pushes one more path in 24 sessions of the visitors it already has.
    for (let r = 0; r < 24; r++) {
      await ingestOk({ events: [wireEvent({ session: newSessionId('attack'), at: Date.now() - 1000, site, url: `https://${site}/spam` })], sent_at: Date.now() }, { ip: attacker, userAgent: rotated(r) });
    }
    // Two real visitors from two addresses are enough for a page of theirs; a third ranks it above the junk.
    for (let n = 1; n <= 3; n++) await visit(site, 10 + n, ['/real']);
    const data = await stats({ site_id: site, period: 'today' });
    const pages = Object.fromEntries(data.breakdowns.pages.map((r) => [r.value, r.pageviews]));
    expect(pages['/spam']).toBeUndefined();
    expect(pages['/real']).toBe(2);
    expect(data.totals.pageviews).toBe(1000 + 24 + 3);
    // The spam has no row; /real's first view is in (other) with it and the junk past the first half.
    const stored = await rows(site, 'page#');
    expect(stored.some((item) => item.sk.includes('spam'))).toBe(false);
    expect(Number(stored.find((item) => item.sk === `page#${OTHER}`)?.pv)).toBe(1000 - openSlots(DEFAULT_CAPS.page!) + 24 + 1);
  });
});

describe('slotsOpenTo', () => {
  it('opens the first half to anyone and the rest an eighth per doubling of distinct clients', () => {
    expect(slotsOpenTo(1, 1000)).toBe(500);
    expect(slotsOpenTo(2, 1000)).toBe(563);
    expect(slotsOpenTo(3, 1000)).toBe(563);
    expect(slotsOpenTo(4, 1000)).toBe(625);
    expect(slotsOpenTo(128, 1000)).toBe(938);
    expect(slotsOpenTo(256, 1000)).toBe(1000);
    expect(slotsOpenTo(10_000, 1000)).toBe(1000);
    expect(slotsOpenTo(1, 3)).toBe(2);
    expect(slotsOpenTo(2, 3)).toBe(3);
  });
});
