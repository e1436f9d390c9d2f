// @vitest-environment node
// Real Chromium against the real local stack: happy-dom is for the unit tests only.
import { describe, expect, it } from 'vitest';
import { skipBrowserTests } from '../../../../../test/support/browser.js';
import { openPage, trackerReady, useSite } from '../support/site.js';

describe.skipIf(skipBrowserTests)('05 the README pre-load stub', { timeout: 30_000 }, () => {
  const site = useSite();

  it('queues both call styles before the script loads; the script replays them in order', async () => {
    const { page, errors } = await openPage(site.browser);
    await page.goto(`${site.url}/05_preload_stub/`);
    await trackerReady(page);
    await page.evaluate(() => {
      const li = (window as unknown as { liveinsight: ((...args: unknown[]) => void) & { track(name: string): void; flush(): void } }).liveinsight;
      li('track', 'fourth');
      li.track('fifth');
      li.flush();
    });
    await expect.poll(() => site.log.flatMap((r) => r.events.map((e) => e.event_type)), { timeout: 10_000 }).toEqual([
      'page_view',
      'first',
      'second',
      'third',
      'fourth',
      'fifth',
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
