// @vitest-environment node
// Real Chromium against the real local stack: happy-dom is for the unit tests only.
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../../../../test/support/browser.js';
import { openPage, pageviews, trackerReady, useSite } from '../support/site.js';

describe.skipIf(skipBrowserTests)('02 SPA navigations in Chromium', { timeout: 30_000 }, () => {
  const site = useSite();
  const viewsOf = (siteId: string) =>
    site.log.flatMap((request) => request.events.filter((e) => e.site_id == siteId && e.event_type == 'page_view'));

  it('records pushState and back/forward navigations, each once, and the collector counts them', async () => {
    const { page, errors } = await openPage(site.browser);
    const base = `${site.url}/02_spa_navigation`;
    await page.goto(`${base}/`);
    await trackerReady(page);
    await page.click('text=About');
    await page.click('text=Pricing');
    await page.goBack(); // popstate to /about
    await page.evaluate(() => history.replaceState({ scrolled: true }, '', location.href)); // same URL: no view
    await page.evaluate(() => (window as unknown as { liveinsight: { flush(): void } }).liveinsight.flush());

    await expect.poll(() => viewsOf('spa.test').length, { timeout: 10_000 }).toBe(4);
    expect(viewsOf('spa.test').map((e) => e.page_url)).toEqual([
      `${base}/`,
      `${base}/about`,
      `${base}/pricing?utm_source=ad`,
      `${base}/about`,
    ]);
    expect(new Set(viewsOf('spa.test').map((e) => e.session_id)).size).toBe(1);
    await expect.poll(() => pageviews(site.stack, 'spa.test'), { timeout: 10_000 }).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('records hash routes with data-hash: a fragment navigation fires popstate', async () => {
    const { page, errors } = await openPage(site.browser);
    const base = `${site.url}/02_spa_navigation/hash.html`;
    await page.goto(base);
    await trackerReady(page);
    await page.click('#cart');
    await page.click('#checkout');
    await page.goBack();
    await page.evaluate(() => (window as unknown as { liveinsight: { flush(): void } }).liveinsight.flush());

    await expect.poll(() => viewsOf('hash.test').length, { timeout: 10_000 }).toBe(4);
    expect(viewsOf('hash.test').map((e) => e.page_url)).toEqual([base, `${base}#/cart`, `${base}#/checkout`, `${base}#/cart`]);
    await expect.poll(() => pageviews(site.stack, 'hash.test'), { timeout: 10_000 }).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
  });
});
