// @vitest-environment node
// Real Chromium against the real local stack: happy-dom is for the unit tests only.
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../../../../test/support/browser.js';
import { openPage, useSite } from '../support/site.js';

describe.skipIf(skipBrowserTests)('03 nothing is thrown into the page', { timeout: 30_000 }, () => {
  const site = useSite();

  it('with storage blocked (sandboxed, opaque origin) and every misuse, no error reaches the page and events still arrive', async () => {
    const { page, errors } = await openPage(site.browser);
    const warnings: string[] = [];
    page.on('console', (message) => message.type() == 'warning' && warnings.push(message.text()));
    await page.goto(`${site.url}/03_nothing_thrown/?sandbox`);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done);
    // Storage really is blocked here: the tracker meets the throwing case, not a stub.
    expect(await page.evaluate(() => { try { return typeof localStorage.length; } catch (error) { return (error as Error).name; } })).toBe('SecurityError');

    await page.click('#cta');
    await page.evaluate(() => document.getElementById('out')!.addEventListener('click', (e) => e.preventDefault()));
    await page.click('#out');
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('click', { bubbles: true }))); // target without closest()
    await page.evaluate(() => (window as unknown as { liveinsight: { flush(): void } }).liveinsight.flush());

    await expect.poll(() => site.log.flatMap((r) => r.events.map((e) => e.event_type)), { timeout: 10_000 }).toEqual([
      'ok',
      'engagement',
      'page_view',
      'cta',
      'outbound',
    ]);
    expect(site.log.every((r) => r.status == 200)).toBe(true);
    expect(warnings.filter((w) => w.startsWith('liveinsight: invalid event'))).toHaveLength(2); // nested, no name
    expect(errors).toEqual([]);
    await page.close();
  });
});
