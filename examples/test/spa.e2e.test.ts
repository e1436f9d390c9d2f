import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../test/support/browser.js';
import { readDashboard } from './support/dashboard.js';
import { countsOf, getStats } from './support/stats.js';
import { useStackAndChromium } from './support/walk.js';

const SITE = 'spa.example';

interface SentEvent {
  event_type: string;
  page_url: string;
  props?: Record<string, unknown>;
}

describe.skipIf(skipBrowserTests)('SPA example walked in Chromium', () => {
  const env = useStackAndChromium();

  /** Every event the page puts on the wire, from the request bodies Chromium sends. */
  function watchCollector(page: Page) {
    const sent: SentEvent[] = [];
    const bodies: string[] = [];
    page.on('request', (request) => {
      if (!request.url().endsWith('/api/events') || request.method() !== 'POST') return;
      const body = request.postData() ?? '';
      bodies.push(body);
      sent.push(...(JSON.parse(body) as { events: SentEvent[] }).events);
    });
    return { sent, bodies };
  }

  const path = (url: string) => new URL(url).pathname;

  it('records routes and typed events, keeps the e-mail out, stops while opted out, and the dashboard agrees', async () => {
    const page = await env.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('response', (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));
    const wire = watchCollector(page);
    const base = `${env.stack.url}/examples/spa`;
    const go = async (text: string, url: string) => {
      await page.click(`nav >> text=${text}`);
      await page.waitForURL(url);
    };
    /** Waits until the tracker's queue is empty (the header badge reads the app's debug log). */
    const drained = () => expect.poll(() => page.getAttribute('#debug-badge', 'data-pending'), { timeout: 10_000 }).toBe('0');

    await page.goto(`${base}/`); // page view: /
    await go('Products', `${base}/products`); // page view
    await page.click('[data-add="kettle"]'); // add_to_cart {product: kettle, price: 39}
    await page.click('text=Gooseneck kettle');
    await page.waitForURL(`${base}/products/kettle`); // page view
    await go('Sign up', `${base}/signup`); // page view
    await page.check('input[value="pro"]');
    await page.fill('input[name="email"]', 'ada@example.com');
    await page.click('text=Create account'); // signup {plan: pro}
    await page.waitForURL(`${base}/users/ada@example.com`); // page view, as /users/[email]
    expect(await page.textContent('#email')).toBe('ada@example.com');
    await page.goBack(); // popstate: page view of /signup again
    await page.waitForURL(`${base}/signup`);
    await go('Debug', `${base}/debug`); // page view
    await expect.poll(() => page.locator('#debug-pending tr').count()).toBeGreaterThan(0);
    await page.click('#flush');
    await expect.poll(() => page.textContent('#debug-pending'), { timeout: 10_000 }).toBe('Nothing waiting.');
    await expect.poll(() => page.locator('#debug-sent .outcome').first().textContent(), { timeout: 10_000 }).toBe('200');
    await go('Privacy', `${base}/privacy`); // page view
    await drained();

    const sentBeforeOptOut = wire.sent.length;
    await page.click('#opt-out');
    expect(await page.textContent('#tracking-status')).toBe('off (opted out)');
    await go('Products', `${base}/products`); // nothing
    await page.click('[data-add="dripper"]'); // nothing
    await go('Debug', `${base}/debug`); // nothing
    await go('Privacy', `${base}/privacy`); // nothing
    expect(await page.getAttribute('#debug-badge', 'data-pending')).toBe('0');
    // Longer than the tracker's 5-second flush interval: anything queued would have gone by now.
    await page.waitForTimeout(6_000);
    expect(wire.sent.length).toBe(sentBeforeOptOut);

    await page.click('#opt-in');
    expect(await page.textContent('#tracking-status')).toBe('on');
    await go('Home', `${base}/`); // page view: / again
    await drained();

    const expectedPages = {
      '/examples/spa/': 2,
      '/examples/spa/products': 1,
      '/examples/spa/products/kettle': 1,
      '/examples/spa/signup': 2,
      '/examples/spa/users/[email]': 1,
      '/examples/spa/debug': 1,
      '/examples/spa/privacy': 1,
    };
    // What went over the wire: every route once per visit, and never the address.
    const views = wire.sent.filter((e) => e.event_type === 'page_view').map((e) => path(e.page_url));
    expect(views).toEqual([
      '/examples/spa/',
      '/examples/spa/products',
      '/examples/spa/products/kettle',
      '/examples/spa/signup',
      '/examples/spa/users/[email]',
      '/examples/spa/signup',
      '/examples/spa/debug',
      '/examples/spa/privacy',
      '/examples/spa/',
    ]);
    expect(wire.bodies.join('\n')).not.toContain('ada@example.com');
    expect(wire.bodies.join('\n')).not.toContain('ada%40example.com');
    // The last beacon may still be on its way: wait until it is counted.
    let data = await getStats(env.stack.url, { site_id: SITE, period: '24h' });
    const summary = async () => {
      data = await getStats(env.stack.url, { site_id: SITE, period: '24h' });
      return {
        totals: data.totals,
        pages: countsOf(data.breakdowns.pages, (r) => r.pageviews),
        events: countsOf(data.breakdowns.events, (r) => r.count),
      };
    };
    await expect.poll(summary, { timeout: 15_000 }).toEqual({
      totals: { pageviews: 9, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: expect.any(Number), events: 2 },
      pages: expectedPages,
      events: { add_to_cart: 1, signup: 1 },
    });
    const props = (name: string) =>
      data.breakdowns.events
        .find((e) => e.value === name)!
        .props.map(({ key, value, count }) => ({ key, value, count }))
        .sort((a, b) => a.key.localeCompare(b.key));
    expect(props('add_to_cart')).toEqual([
      { key: 'price', value: '39', count: 1 },
      { key: 'product', value: 'kettle', count: 1 },
    ]);
    expect(props('signup')).toEqual([{ key: 'plan', value: 'pro', count: 1 }]);

    expect(errors).toEqual([]);

    const shown = await readDashboard(await env.browser.newPage(), env.stack.url, SITE);
    expect(shown.totals).toEqual(data.totals);
    expect(shown.events).toEqual({ add_to_cart: 1, signup: 1 });
    expect(shown.pages).toEqual(expectedPages);
  });
});
