// @vitest-environment node
import type { CreatedKeyData, RealtimeData, SiteSettingsData, StatsData } from '@liveinsight/contract';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from '../../../test/support/browser.js';
import { liveSessions, postSessions, testWeek, XSS_PATH } from './support/seed.js';

/** The bootstrap key: every scope, admin included. The dashboard signs in with a read key minted with it. */
const API_KEY = 'dashboard-e2e-key';
const SITE = 'dash.test';
const EMPTY_SITE = 'nothing-yet.test';

/** Everything a page did wrong: console errors, uncaught exceptions, failed or off-origin requests. */
interface Trouble {
  problems: string[];
  requests: string[];
}

function watch(page: Page, origin: string): Trouble {
  const trouble: Trouble = { problems: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') trouble.problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => trouble.problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('request', (request) => {
    trouble.requests.push(request.url());
    if (!request.url().startsWith(origin) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      trouble.problems.push(`request to another host: ${request.url()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return trouble;
}

describe.skipIf(skipBrowserTests)('dashboard in Chromium against the local stack', { timeout: 30_000 }, () => {
  let stack: LocalStack;
  let browser: Browser;
  let readKey: string;
  const previousKey = process.env.LIVEINSIGHT_API_KEY;

  beforeAll(async () => {
    process.env.LIVEINSIGHT_API_KEY = API_KEY;
    stack = await startLocalStack({ port: 0 });
    browser = await launchChromium();
    const now = Date.now();
    await postSessions({ baseUrl: stack.url, site: SITE, apiKey: API_KEY }, testWeek(now));
    await postSessions({ baseUrl: stack.url, site: SITE }, liveSessions(now));
    const minted = await fetch(`${stack.url}/api/keys`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard', scopes: ['read'] }),
    });
    const body = (await minted.json()) as { status: string; data: CreatedKeyData; message?: string };
    expect(body.status, body.message).toBe('success');
    readKey = body.data.key;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (previousKey === undefined) delete process.env.LIVEINSIGHT_API_KEY;
    else process.env.LIVEINSIGHT_API_KEY = previousKey;
  });

  async function api<T>(path: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${stack.url}/api/${path}?${new URLSearchParams(params)}`, { headers: { 'X-API-Key': API_KEY } });
    const body = (await response.json()) as { status: string; data: T; message?: string };
    expect(body.status, body.message).toBe('success');
    return body.data;
  }

  /** A signed-in context: the read key went through the `#key=` link once. */
  async function signedIn(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport });
    await context.addInitScript((key) => localStorage.setItem('liveinsight.key', key), readKey);
    return context;
  }

  async function openDashboard(page: Page, fragment: string): Promise<void> {
    await page.goto(`${stack.url}/#${fragment}`);
    await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });
    await page.locator('#dashboard[aria-busy="false"]').waitFor({ timeout: 15_000 });
  }

  /** POST /api/v2/query as any script asks it, with the Bearer header. */
  async function query(body: Record<string, unknown>): Promise<{ results: { dimensions: string[]; metrics: number[] }[]; meta: { engine: string } }> {
    const response = await fetch(`${stack.url}/api/v2/query`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { results: { dimensions: string[]; metrics: number[] }[]; meta: { engine: string }; error?: string };
    expect(response.status, answer.error).toBe(200);
    return answer;
  }

  async function metric(page: Page, id: string): Promise<{ value: number; text: string }> {
    const element = page.locator(`.metric[data-metric="${id}"] .metric-value`);
    return { value: Number(await element.getAttribute('data-value')), text: (await element.textContent()) ?? '' };
  }

  it('takes a read key from #key=, keeps it in localStorage and removes it from the URL', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await page.goto(`${stack.url}/#key=${readKey}&site=${SITE}`);
    await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });

    expect(page.url()).not.toContain(readKey);
    expect(new URL(page.url()).hash).toBe(`#site=${SITE}`);
    expect(await page.evaluate(() => localStorage.getItem('liveinsight.key'))).toBe(readKey);
    expect(await page.locator('#key-notice').isVisible()).toBe(false);

    // A later visit without the fragment's key is still signed in.
    await page.goto(`${stack.url}/#site=${SITE}`);
    await page.reload();
    await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('uses an admin key from #key= for this visit only, and says how to mint a read key', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await page.goto(`${stack.url}/#key=${API_KEY}&site=${SITE}`);
    await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).hash).toBe(`#site=${SITE}`);
    await page.locator('#key-notice').waitFor({ state: 'visible' });
    expect(await page.locator('#key-notice').textContent()).toMatch(/can change data/);
    expect(await page.locator('#key-notice-command').textContent()).toBe('npm run keys -- create --name dashboard --scope read');
    const stored = await page.evaluate(() => [...Object.values(localStorage), ...Object.values(sessionStorage)]);
    expect(stored.filter((value) => value.includes(API_KEY))).toEqual([]);

    expect(trouble.problems).toEqual([]);

    // Nothing kept it: the next visit asks for a key.
    await page.reload();
    await page.locator('body[data-screen="signin"]').waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('says clearly when the key is wrong, and signs in with the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.url}/#key=not-the-key&site=${SITE}`);
    const message = page.locator('#signin-message');
    await message.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await message.textContent()).toMatch(/not accepted/i);
    expect(page.url()).not.toContain('not-the-key');
    expect(await page.evaluate(() => localStorage.getItem('liveinsight.key'))).toBeNull();

    await page.fill('#signin-key', readKey);
    await page.click('#signin-form button[type="submit"]');
    await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => localStorage.getItem('liveinsight.key'))).toBe(readKey);
    await context.close();
  });

  it('shows the same numbers as the API, with no errors and no failed requests', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await openDashboard(page, `site=${SITE}&period=7d`);

    const stats = await api<StatsData>('stats', { site_id: SITE, period: '7d' });
    expect(stats.totals.pageviews).toBeGreaterThan(0);
    for (const id of ['visitors', 'sessions', 'pageviews', 'events'] as const) {
      const shown = await metric(page, id);
      expect(shown.value, id).toBe(stats.totals[id]);
      expect(shown.text, id).toMatch(new RegExp(`^${stats.totals[id].toLocaleString('en-US')}≈?$`));
    }
    expect((await metric(page, 'bounce_rate')).value).toBe(stats.totals.bounce_rate);
    expect((await metric(page, 'avg_duration_s')).value).toBe(stats.totals.avg_duration_s);

    // Top pages: the same values in the same order with the same counts.
    const rows = page.locator('[data-card="pages"] tbody tr');
    const shownPages = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        value: (tr as HTMLElement).dataset.value,
        visitors: Number(tr.querySelector<HTMLElement>('[data-column="visitors"]')?.dataset.value),
        pageviews: Number(tr.querySelector<HTMLElement>('[data-column="pageviews"]')?.dataset.value),
      })),
    );
    expect(shownPages).toEqual(stats.breakdowns.pages.slice(0, shownPages.length).map(({ value, visitors, pageviews }) => ({ value, visitors, pageviews })));
    expect(shownPages.length).toBe(Math.min(stats.breakdowns.pages.length, 8));

    const events = await page.locator('[data-card="events"] tr.clickable:not(.prop-row)').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.value));
    expect(events).toEqual(stats.breakdowns.events.map((e) => e.value));

    // The live counter and the realtime panel.
    const realtime = await api<RealtimeData>('realtime', { site_id: SITE });
    expect(realtime.active_sessions).toBe(3);
    expect(await page.locator('#live-count').getAttribute('data-value')).toBe(String(realtime.active_sessions));
    expect(await page.locator('.realtime-number').textContent()).toBe(String(realtime.active_sessions));
    expect(await page.locator('.sparkline rect').count()).toBe(realtime.per_minute.length);

    // Ingestion health as the API counts it.
    const withHealth = await api<StatsData>('stats', { site_id: SITE, period: '7d', include: 'health' });
    expect(await page.locator('[data-health="accepted"] .health-value').getAttribute('data-value')).toBe(String(withHealth.health!.totals.accepted));

    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('refreshes the live counter every 10 seconds', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    await openDashboard(page, `site=${SITE}`);
    const before = page.waitForRequest((r) => r.url().includes('/api/realtime'), { timeout: 12_000 });
    await postSessions({ baseUrl: stack.url, site: SITE }, liveSessions(Date.now(), 4).slice(3).map((s) => ({ ...s, id: 'live-session-late' })));
    await before;
    const realtime = await api<RealtimeData>('realtime', { site_id: SITE });
    await expect.poll(() => page.locator('#live-count').getAttribute('data-value'), { timeout: 12_000 }).toBe(String(realtime.active_sessions));
    await context.close();
  }, 30_000);

  it('applies a clicked row as a removable filter chip that narrows the overview and the chart', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await openDashboard(page, `site=${SITE}&period=7d`);
    const unfiltered = await api<StatsData>('stats', { site_id: SITE, period: '7d' });

    await page.locator('[data-card="pages"] tr[data-value="/pricing"] .row-button').click();
    const chip = page.locator('#filters .chip');
    await chip.waitFor();
    expect(await chip.locator('.chip-dimension').textContent()).toBe('Page');
    expect(await chip.locator('.chip-op').inputValue()).toBe('is');
    expect(await chip.locator('.chip-value').textContent()).toBe('/pricing');
    expect(new URL(page.url()).hash).toContain('filter=page%3A%2Fpricing');

    const filtered = await api<StatsData>('stats', { site_id: SITE, period: '7d', filter: 'page:/pricing' });
    expect(filtered.totals.pageviews).toBeLessThan(unfiltered.totals.pageviews);
    await expect.poll(async () => (await metric(page, 'pageviews')).value, { timeout: 10_000 }).toBe(filtered.totals.pageviews);
    expect((await metric(page, 'visitors')).value).toBe(filtered.totals.visitors);
    expect(await page.locator('[data-card="pages"] tr.active').getAttribute('data-value')).toBe('/pricing');

    // The chart draws the filtered series: its CSV is what it plots.
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="timeseries"]')]);
    const rows = (await (await download.createReadStream()).toArray()).join('').replace(/^\ufeff/, '').trim().split('\r\n').slice(1);
    expect(rows).toEqual(filtered.timeseries.map((p) => [p.t, p.visitors, p.pageviews, p.sessions, p.events].join(',')));
    expect(filtered.timeseries.map((p) => p.pageviews)).not.toEqual(unfiltered.timeseries.map((p) => p.pageviews));

    // Tables the API did not narrow say so.
    const narrowed = filtered.breakdowns.pages.every((row) => row.value === '/pricing');
    expect(await page.locator('#breakdowns-note').isVisible()).toBe(!narrowed);

    await chip.locator('.chip-remove').click();
    await expect.poll(async () => (await metric(page, 'pageviews')).value, { timeout: 10_000 }).toBe(unfiltered.totals.pageviews);
    expect(await page.locator('#filters .chip').count()).toBe(0);
    expect(await page.locator('#breakdowns-note').isVisible()).toBe(false);
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('answers chips GET /api/stats cannot take from POST /api/v2/query, and says the archive answered', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await openDashboard(page, `site=${SITE}&period=7d&filter=country%3ADE&filter=%7Epage%3Apricing`);
    const filters = [
      ['is', 'visit:country', ['DE']],
      ['contains', 'event:page', ['pricing']],
    ];
    const totals = await query({ site_id: SITE, date_range: '7d', metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'events'], filters });
    expect(totals.meta.engine).toBe('archive');
    const [visitors, visits, pageviews, bounceRate, duration, events] = totals.results[0]!.metrics as number[];
    expect(pageviews).toBeGreaterThan(0);
    await expect.poll(async () => (await metric(page, 'pageviews')).value, { timeout: 15_000 }).toBe(pageviews);
    expect((await metric(page, 'visitors')).value).toBe(visitors);
    expect((await metric(page, 'sessions')).value).toBe(visits);
    expect((await metric(page, 'bounce_rate')).value).toBe(bounceRate! / 100);
    expect((await metric(page, 'avg_duration_s')).value).toBe(duration);
    expect((await metric(page, 'events')).value).toBe(events! - pageviews!);

    const pages = await query({ site_id: SITE, date_range: '7d', metrics: ['visitors', 'pageviews'], dimensions: ['event:page'], filters, pagination: { limit: 100 } });
    const shownPages = await page.locator('[data-card="pages"] tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.value));
    expect(shownPages).toEqual(pages.results.slice(0, 8).map((row) => row.dimensions[0]));

    expect(await page.locator('#filters .chip .chip-op').evaluateAll((selects) => selects.map((s) => (s as HTMLSelectElement).value))).toEqual(['is', 'contains']);
    expect(await page.locator('#totals-source').textContent()).toMatch(/^from the archive · \S/);
    expect(await page.locator('#chart-source').textContent()).toMatch(/^from the archive · \S/);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    // Both chips are on what a live session holds: the realtime panel narrows the live sessions.
    await expect.poll(() => page.locator('#realtime-note').textContent()).toBe('live sessions matching the filters · bars: all page views');
    const live = await fetch(`${stack.url}/api/realtime?site_id=${SITE}&filter=country:DE&filter=~page:pricing`, { headers: { 'X-API-Key': API_KEY } });
    const liveData = ((await live.json()) as { data: { active_sessions: number; filtered?: boolean } }).data;
    expect(liveData.filtered).toBe(true);
    expect(Number(await page.locator('.realtime-number').getAttribute('data-value'))).toBe(liveData.active_sessions);
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('switches period, bucket size and custom range, each time showing the API\'s numbers for that window', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await openDashboard(page, `site=${SITE}&period=7d`);

    await page.click('#periods [data-period="30d"]');
    const month = await api<StatsData>('stats', { site_id: SITE, period: '30d' });
    await expect.poll(() => new URL(page.url()).hash).toBe(`#site=${SITE}&period=30d`);
    await expect.poll(async () => (await metric(page, 'sessions')).value).toBe(month.totals.sessions);
    expect(month.totals.sessions).toBeGreaterThan((await api<StatsData>('stats', { site_id: SITE, period: '7d' })).totals.sessions);

    const hourly = page.waitForResponse((r) => r.url().includes('/api/stats') && r.url().includes('interval=hour'));
    await page.click('#intervals [data-interval="hour"]');
    const answer = (await (await hourly).json()) as { data: StatsData };
    expect(answer.data.interval).toBe('hour');
    await expect.poll(() => page.locator('#intervals [data-interval="hour"]').getAttribute('aria-pressed')).toBe('true');

    // Two UTC days that hold seeded sessions; `to` is the last day shown, inclusive.
    const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    await page.click('#periods [data-period="custom"]');
    await page.fill('#custom-range input[name="from"]', day(3));
    await page.fill('#custom-range input[name="to"]', day(2));
    await page.click('#custom-range button[type="submit"]');
    const custom = await api<StatsData>('stats', { site_id: SITE, from: day(3), to: day(2) });
    await expect.poll(async () => (await metric(page, 'pageviews')).value).toBe(custom.totals.pageviews);
    expect(custom.totals.pageviews).toBeGreaterThan(0);
    expect(new URL(page.url()).hash).toContain(`from=${day(3)}&to=${day(2)}`);
    expect(await page.locator('#period-label').textContent()).not.toMatch(/Last/);
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('shows a hostile page URL as text and runs nothing', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await openDashboard(page, `site=${SITE}&period=7d`);
    const stats = await api<StatsData>('stats', { site_id: SITE, period: '7d' });
    // The collector keeps the path as sent, markup and all: the dashboard must not interpret it.
    const hostile = stats.breakdowns.pages.find((row) => row.value === XSS_PATH);
    expect(hostile, `the API lists the page ${XSS_PATH}: ${JSON.stringify(stats.breakdowns.pages.map((p) => p.value))}`).toBeDefined();

    const showAll = page.locator('[data-card="pages"] .show-all');
    if (await showAll.count()) await showAll.click();
    const row = page.locator('[data-card="pages"] tbody tr').filter({ hasText: hostile!.value });
    expect(await row.locator('.row-label').textContent()).toBe(hostile!.value);
    expect(await page.locator('#dashboard img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // Applied as a filter, the chip shows it as text too.
    await row.locator('.row-button').click();
    await page.locator('#filters .chip').waitFor();
    expect(await page.locator('#filters .chip-value').textContent()).toBe(hostile!.value);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('exports the totals as CSV with the numbers on screen', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    await openDashboard(page, `site=${SITE}&period=7d`);
    const stats = await api<StatsData>('stats', { site_id: SITE, period: '7d' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#totals .csv-button')]);
    expect(download.suggestedFilename()).toBe('liveinsight_dash.test_7d_totals.csv');
    const csv = (await (await download.createReadStream()).toArray()).join('');
    const lines = csv.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('metric,value,previous_period,change');
    expect(lines).toContain(`pageviews,${stats.totals.pageviews},${stats.previous.pageviews},${lines.find((l) => l.startsWith('pageviews,'))!.split(',')[3]}`);
    expect(lines.find((l) => l.startsWith('visitors,'))!.split(',')[1]).toBe(String(stats.totals.visitors));
    await context.close();
  });

  it('shows the install snippet for a site without data', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const trouble = watch(page, stack.url);
    await page.goto(`${stack.url}/#site=${EMPTY_SITE}`);
    await page.locator('body[data-screen="empty"]').waitFor({ timeout: 15_000 });
    const snippet = await page.locator('#snippet').textContent();
    expect(snippet).toBe(`<script defer src="${stack.url}/sdk/liveinsight.js" data-site="${EMPTY_SITE}"></script>`);
    expect(trouble.problems).toEqual([]);
    await context.close();
  });

  it('shows the site settings and saves them with the admin key typed for the save', async () => {
    const context = await signedIn();
    const page = await context.newPage();
    const puts: { key: string | undefined; body: string | null }[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT') puts.push({ key: request.headers()['x-api-key'], body: request.postData() });
    });
    await openDashboard(page, `site=${SITE}`);
    await page.locator('#settings-edit').waitFor({ state: 'visible', timeout: 15_000 });

    await page.click('#settings-edit');
    // The seeded pages are on https://dash.test: listing it keeps the later tests' events coming.
    await page.fill('#settings-hostnames', `${SITE}\n*.${SITE}`);
    await page.fill('#settings-timezone', 'Mars/Olympus_Mons');
    await page.fill('#settings-json', '{"alerts": {"spike_visitors_10m": 25}}');
    await page.click('#settings-editor button[type="submit"]');
    await page.fill('#settings-admin-key', API_KEY);
    await page.click('#settings-save-submit');
    await expect.poll(() => page.locator('#settings-error').textContent()).toMatch(/^settings\.timezone /);

    await page.fill('#settings-timezone', 'Europe/Berlin');
    await page.click('#settings-editor button[type="submit"]');
    expect(await page.inputValue('#settings-admin-key')).toBe('');
    await page.fill('#settings-admin-key', API_KEY);
    await page.click('#settings-save-submit');
    await page.locator('#settings-editor').waitFor({ state: 'hidden' });

    const document = { hostnames: [SITE, `*.${SITE}`], timezone: 'Europe/Berlin', alerts: { spike_visitors_10m: 25 } };
    expect(puts.map((put) => put.key)).toEqual([API_KEY, API_KEY]);
    expect(JSON.parse(puts[1]!.body!)).toEqual(document);
    const saved = await api<SiteSettingsData>(`sites/${SITE}/settings`, {});
    expect(saved.settings).toMatchObject(document);
    expect(await page.locator('#settings-body [data-setting="timezone"]').textContent()).toBe('Europe/Berlin');
    const stored = await page.evaluate(() => [...Object.values(localStorage), ...Object.values(sessionStorage)]);
    expect(stored).toEqual([readKey]);
    await context.close();
  });

  it('fits a 375 px wide phone without sideways scrolling', async () => {
    const context = await signedIn({ width: 375, height: 812 });
    const page = await context.newPage();
    await openDashboard(page, `site=${SITE}&period=7d`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await context.close();
  });
});
