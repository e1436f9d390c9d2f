// @vitest-environment node
// Real Chromium against the real local stack: happy-dom is for the unit tests only.
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../../../../test/support/browser.js';
import { openPage, pageviews, trackerReady, useSite } from '../support/site.js';

describe.skipIf(skipBrowserTests)('01 a beacon sent while the page goes away', { timeout: 30_000 }, () => {
  const site = useSite();

  it('arrives: the queued page view and click leave by sendBeacon when the user navigates away', async () => {
    const { page, errors } = await openPage(site.browser);
    await page.goto(`${site.url}/01_beacon_on_leave/`);
    await trackerReady(page);
    await page.click('button'); // data-li-event="cta"
    expect(site.log).toEqual([]); // still queued: the 5 s flush has not come

    await page.click('#away');
    await page.waitForURL('**/elsewhere.html');

    await expect.poll(() => site.log.length, { timeout: 10_000 }).toBe(1);
    const [beacon] = site.log;
    expect(beacon).toMatchObject({ status: 200, mode: 'no-cors' }); // a beacon, not fetch
    expect(beacon!.contentType).toMatch(/^text\/plain/); // no CORS preflight
    expect(beacon!.events.map((e) => [e.event_type, e.props ?? null])).toEqual([
      ['page_view', null],
      ['cta', { place: 'hero' }],
    ]);
    expect(beacon!.events[0]!.page_url).toBe(`${site.url}/01_beacon_on_leave/`);
    await expect.poll(() => pageviews(site.stack, 'beacon.test'), { timeout: 10_000 }).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
