import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from '../../test/support/browser.js';

describe.skipIf(skipBrowserTests)('script-tag example in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const pageviews = async (site: string) => {
    const response = await fetch(`${stack.url}/api/stats?site_id=${site}&period=24h`);
    return (await response.json()).data.totals.pageviews as number;
  };

  it('records the page view and the dashboard shows it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${stack.url}/examples/script-tag/`);
    await expect.poll(() => pageviews('script-tag.example'), { timeout: 10_000 }).toBe(1);

    await page.goto(`${stack.url}/#site=script-tag.example`);
    await expect.poll(() => page.textContent('#pageviews'), { timeout: 10_000 }).toBe('1');
    expect(errors).toEqual([]);
  });
});
