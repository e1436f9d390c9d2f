/**
 * `npm run screenshots -w @liveinsight/dashboard`: the screenshots in docs/screenshots/,
 * taken of the real dashboard on a local stack that holds two weeks of `npm run demo`
 * traffic (backfilled through POST /api/events) plus a few visitors active right now.
 * Desktop (1280 px) and phone (375 px), each in the light and the dark theme.
 *
 * Seeding takes a few minutes; with LIVEINSIGHT_DATA_DIR set, the store is kept there and
 * a second run that finds data skips the demo (handy while adjusting the styles).
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SiteSummary, SitesResponse } from '@liveinsight/contract';
import { startLocalStack } from '@liveinsight/collector/local';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test/support/browser.js';
import { liveSessions, postSessions } from '../test/support/seed.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT_DIR = `${REPO_ROOT}docs/screenshots`;
const API_KEY = 'screenshots-key';

interface Shot {
  file: string;
  width: number;
  height: number;
  scheme: 'light' | 'dark';
  scale: number;
  fullPage?: boolean;
}

const SHOTS: Shot[] = [
  { file: 'dashboard-desktop-light.png', width: 1280, height: 960, scheme: 'light', scale: 1 },
  { file: 'dashboard-desktop-dark.png', width: 1280, height: 960, scheme: 'dark', scale: 1 },
  { file: 'dashboard-desktop-light-full.png', width: 1280, height: 960, scheme: 'light', scale: 1, fullPage: true },
  { file: 'dashboard-mobile-light.png', width: 375, height: 812, scheme: 'light', scale: 2 },
  { file: 'dashboard-mobile-dark.png', width: 375, height: 812, scheme: 'dark', scale: 2 },
];

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

async function shoot(browser: Browser, baseUrl: string, site: string, shot: Shot, readKey: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: shot.width, height: shot.height },
    deviceScaleFactor: shot.scale,
    colorScheme: shot.scheme,
    reducedMotion: 'reduce',
  });
  // Signed in as a user is: with a read key (an admin key would bring the "can change data" notice).
  await context.addInitScript((key) => localStorage.setItem('liveinsight.key', key), readKey);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  await page.goto(`${baseUrl}/#site=${encodeURIComponent(site)}`);
  await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 30_000 });
  await page.locator('#dashboard[aria-busy="false"]').waitFor({ timeout: 30_000 });
  await page.locator('.sparkline').waitFor();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${OUT_DIR}/${shot.file}`, fullPage: shot.fullPage ?? false });
  await context.close();
  if (problems.length) throw new Error(`${shot.file}: ${problems.join('; ')}`);
  console.log(`wrote docs/screenshots/${shot.file}`);
}

async function sites(baseUrl: string): Promise<SiteSummary[]> {
  const response = await fetch(`${baseUrl}/api/sites`, { headers: { 'X-API-Key': API_KEY } });
  const body = (await response.json()) as SitesResponse;
  if (body.status !== 'success') throw new Error(`GET /api/sites: ${body.message}`);
  return body.data.sites;
}

/** A read key for the shots, minted through the admin API as `npm run keys -- create` does. */
async function mintReadKey(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/keys`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `screenshots-${Date.now()}`, scopes: ['read'] }),
  });
  const body = (await response.json()) as { status: string; data?: { key: string }; message?: string };
  if (body.status !== 'success' || !body.data) throw new Error(`POST /api/keys: ${body.message}`);
  return body.data.key;
}

async function main(): Promise<void> {
  process.env.LIVEINSIGHT_API_KEY = API_KEY;
  await mkdir(OUT_DIR, { recursive: true });
  const dataDir = process.env.LIVEINSIGHT_DATA_DIR || undefined;
  const stack = await startLocalStack({ port: 0, dataDir });
  let browser: Browser | undefined;
  try {
    if (!(await sites(stack.url)).length) {
      await run('npm', ['run', 'demo', '--silent', '-w', '@liveinsight/examples', '--', '--days', '14', '--sessions', '250'], {
        LIVEINSIGHT_API_URL: stack.url,
        LIVEINSIGHT_API_KEY: API_KEY,
      });
    }
    // The busiest site makes the fullest picture.
    const site = (await sites(stack.url)).sort((a, b) => b.pageviews_24h - a.pageviews_24h)[0]?.site_id;
    if (!site) throw new Error('the demo left no site with data');
    // Fresh session ids per run: a kept store already holds the previous run's.
    const stamp = Date.now();
    await postSessions({ baseUrl: stack.url, site }, liveSessions(stamp, 5).map((s) => ({ ...s, id: `${s.id}-${stamp}` })));
    const readKey = await mintReadKey(stack.url);
    browser = await launchChromium();
    for (const shot of SHOTS) await shoot(browser, stack.url, site, shot, readKey);
  } finally {
    await browser?.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
