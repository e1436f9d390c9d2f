// @vitest-environment node
// Real Chromium against the real local stack: happy-dom is for the unit tests only.
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../../../../test/support/browser.js';
import { openPage, pageviews, trackerReady, useSite } from '../support/site.js';

describe.skipIf(skipBrowserTests)('04 replay after a collector outage', { timeout: 30_000 }, () => {
  const site = useSite();

  it('keeps what failed to send when the page goes away, and the next page load sends it', async () => {
    const { page, errors } = await openPage(site.browser);
    const url = `${site.url}/04_replay_after_outage/`;
    site.down = true;
    await page.goto(url);
    await trackerReady(page);
    await page.click('button');
    await page.evaluate(() => (window as unknown as { liveinsight: { flush(): void } }).liveinsight.flush());
    await expect.poll(() => site.log.length, { timeout: 10_000 }).toBe(1);
    const failed = site.log[0]!;
    expect(failed.status).toBe(503);
    expect(failed.events.map((e) => e.event_type)).toEqual(['page_view', 'offline_click']);

    await page.click('#away'); // still down: the events go to localStorage, not to a lost beacon
    await page.waitForURL('**/elsewhere.html');
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('liveinsight_queue') ?? '[]'));
    expect(kept.map((e: { event_id: string }) => e.event_id)).toEqual(failed.events.map((e) => e.event_id));
    expect(await pageviews(site.stack, 'replay.test')).toBe(0);

    site.down = false;
    await page.goto(url); // the next page load replays them at once
    await expect.poll(() => site.log.filter((r) => r.status == 200).length, { timeout: 10_000 }).toBe(1);
    const replay = site.log.find((r) => r.status == 200)!;
    expect(replay.events.map((e) => e.event_id).slice(0, 2)).toEqual(failed.events.map((e) => e.event_id));
    expect(replay.events.map((e) => e.event_type)).toEqual(['page_view', 'offline_click', 'page_view']);
    expect(await page.evaluate(() => localStorage.getItem('liveinsight_queue'))).toBeNull();
    await expect.poll(() => pageviews(site.stack, 'replay.test'), { timeout: 10_000 }).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
