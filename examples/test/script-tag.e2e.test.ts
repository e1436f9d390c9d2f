import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../test/support/browser.js';
import { readDashboard } from './support/dashboard.js';
import { countsOf, getStats } from './support/stats.js';
import { useStackAndChromium } from './support/walk.js';

const SITE = 'script-tag.example';
const MDN = 'https://developer.mozilla.org/en-US/docs/Web/API/Navigator/sendBeacon';

describe.skipIf(skipBrowserTests)('script-tag example walked in Chromium', () => {
  const env = useStackAndChromium();

  /** A page that records its errors. (Its events leave by beacon as each page closes, which Playwright does not report.) */
  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await env.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    // The outbound link leaves the machine; tests have no network, so a stand-in answers.
    await page.route(`${MDN}*`, (route) => route.fulfill({ contentType: 'text/html', body: '<title>MDN stand-in</title>' }));
    return { page, errors };
  }

  it('counts exactly what a visitor did on the site, and the dashboard shows it', { timeout: 90_000 }, async () => {
    const { page, errors } = await openPage();
    const base = `${env.stack.url}/examples/script-tag/`;

    await page.goto(base); // page view 1
    await page.fill('#newsletter input', 'ada@example.com');
    await page.click('#newsletter button'); // newsletter_signup {position: home}
    await expect.poll(() => page.textContent('#newsletter')).toContain('Thanks');

    await Promise.all([page.waitForURL(`${base}pricing.html`), page.click('nav >> text=Pricing')]); // page view 2
    await page.click('text=Choose Pro'); // plan_selected {plan: pro}, from data-li-event
    await expect.poll(() => page.textContent('#chosen')).toBe('You chose pro.');

    await Promise.all([page.waitForURL(`${base}404.html`), page.click('#old-plans')]); // a 404 event, no page view
    await Promise.all([page.waitForURL(`${base}docs.html`), page.click('#to-docs')]); // page view 3 + docs_version (pre-load stub)

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]); // download {url}
    expect(download.suggestedFilename()).toBe('northwind-quickstart.pdf');

    await Promise.all([page.waitForURL(MDN), page.click('#outbound')]); // outbound {url}; leaving flushes the queue

    const expectedEvents = { newsletter_signup: 1, plan_selected: 1, '404': 1, docs_version: 1, download: 1, outbound: 1 };
    const expected = {
      totals: { pageviews: 3, visitors: 1, sessions: 1, bounce_rate: 0, avg_duration_s: expect.any(Number), events: 6 },
      pages: { '/examples/script-tag/': 1, '/examples/script-tag/pricing.html': 1, '/examples/script-tag/docs.html': 1 },
      entryPages: { '/examples/script-tag/': 1 },
      events: expectedEvents,
      props: {
        newsletter_signup: [{ key: 'position', value: 'home', count: 1 }],
        plan_selected: [{ key: 'plan', value: 'pro', count: 1 }],
        '404': [],
        docs_version: [{ key: 'version', value: '2.1', count: 1 }],
        download: [{ key: 'url', value: `${base}files/northwind-quickstart.pdf`, count: 1 }],
        outbound: [{ key: 'url', value: MDN, count: 1 }],
      },
    };
    // The last beacon may still be on its way: wait for the complete state, props included.
    // The machine may be busy with other suites, hence the generous wait.
    let data = await getStats(env.stack.url, { site_id: SITE, period: '24h' });
    const summary = async () => {
      data = await getStats(env.stack.url, { site_id: SITE, period: '24h' });
      return {
        totals: data.totals,
        pages: countsOf(data.breakdowns.pages, (r) => r.pageviews),
        entryPages: countsOf(data.breakdowns.entry_pages, (r) => r.pageviews),
        events: countsOf(data.breakdowns.events, (r) => r.count),
        props: Object.fromEntries(
          data.breakdowns.events.map((e) => [e.value, e.props.map(({ key, value, count }) => ({ key, value, count }))]),
        ),
      };
    };
    await expect.poll(summary, { timeout: 40_000 }).toEqual(expected);
    expect(data.totals.avg_duration_s).toBeGreaterThan(0);

    expect(errors).toEqual([]);

    // The dashboard, opened on this site, shows the same numbers.
    const shown = await readDashboard(await env.browser.newPage(), env.stack.url, SITE);
    expect(shown.totals).toEqual(data.totals);
    expect(shown.events).toEqual(expectedEvents);
    expect(shown.pages).toEqual(countsOf(data.breakdowns.pages, (r) => r.pageviews));
  });
});
