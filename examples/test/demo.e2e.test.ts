import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic, summarize } from '../demo/generate.js';
import { runLive } from '../demo/live.js';
import { countsOf, getStats } from './support/stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'demo-e2e-key';
const ARGS = ['--days', '1', '--sessions', '50', '--seed', 'e2e'];

/** Runs the examples' `demo` script exactly as the root `npm run demo` does, plus arguments. */
function runDemo(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'demo', '--silent', '-w', '@liveinsight/examples', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, DYNAMODB_ENDPOINT: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('npm run demo against the local stack', () => {
  let stack: LocalStack;
  const previousKey = process.env.LIVEINSIGHT_API_KEY;

  beforeAll(async () => {
    delete process.env.LIVEINSIGHT_API_KEY;
    stack = await startLocalStack({ port: 0 });
  });
  afterAll(async () => {
    await stack?.close();
    if (previousKey === undefined) delete process.env.LIVEINSIGHT_API_KEY;
    else process.env.LIVEINSIGHT_API_KEY = previousKey;
  });

  it('sends nothing to a stack started without a key, and says how to start one', async () => {
    const run = await runDemo(ARGS, { LIVEINSIGHT_API_URL: stack.url, LIVEINSIGHT_API_KEY: KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('started without LIVEINSIGHT_API_KEY');
    expect(run.stderr).toContain('LIVEINSIGHT_API_KEY=dev-key npm start');
    const sites = await (await fetch(`${stack.url}/api/sites`)).json();
    expect(sites.data.sites).toEqual([]);
  });

  it('explains a wrong key before sending anything', async () => {
    process.env.LIVEINSIGHT_API_KEY = KEY;
    const run = await runDemo(ARGS, { LIVEINSIGHT_API_URL: stack.url, LIVEINSIGHT_API_KEY: 'not-the-key' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refuses this LIVEINSIGHT_API_KEY');
  });

  it('backfills a day that /api/stats counts exactly, and a second run counts nothing twice', async () => {
    process.env.LIVEINSIGHT_API_KEY = KEY;
    const now = Date.now();
    const first = await runDemo([...ARGS, '--now', String(now)], { LIVEINSIGHT_API_URL: stack.url, LIVEINSIGHT_API_KEY: KEY });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const traffic = generateTraffic({ seed: 'e2e', days: 1, sessionsPerDay: 50, now });
    const expected = summarize(traffic);
    const wireEvents = [...expected.values()].reduce((sum, s) => sum + s.wireEvents, 0);
    expect(first.stdout).toContain(`${wireEvents.toLocaleString('en-US')} taken, 0 rejected`);

    // A window that holds the whole day whatever the hour boundaries.
    const window = { from: traffic.from - 3_600_000, to: now + 3_600_000 };
    const check = async () => {
      for (const site of expected.values()) {
        const stats = await getStats(stack.url, { site_id: site.siteId, ...window }, KEY);
        expect(stats.totals, site.siteId).toEqual({
          pageviews: site.pageviews,
          visitors: site.visitors,
          sessions: site.sessions,
          bounce_rate: expect.closeTo(site.bounces / site.sessions, 3),
          avg_duration_s: expect.closeTo(site.durationMs / 1000 / site.sessions, 0),
          events: site.events,
        });
        expect(countsOf(stats.breakdowns.pages, (r) => r.pageviews)).toEqual(Object.fromEntries(site.pages));
        expect(countsOf(stats.breakdowns.events, (r) => r.count)).toEqual(Object.fromEntries(site.customEvents));
        const countries = countsOf(stats.breakdowns.countries, (r) => r.pageviews);
        delete countries['(unknown)'];
        expect(countries).toEqual(Object.fromEntries(site.countries));
      }
    };
    await check();

    const second = await runDemo([...ARGS, '--now', String(now)], { LIVEINSIGHT_API_URL: stack.url, LIVEINSIGHT_API_KEY: KEY });
    expect(second.code).toBe(0);
    // The collector takes them all again; its consumer finds them counted already.
    expect(second.stdout).toContain(`${wireEvents.toLocaleString('en-US')} taken, 0 rejected`);
    await check();
  });

  it('--live sends each event once its time has come, and only once', async () => {
    process.env.LIVEINSIGHT_API_KEY = KEY;
    const since = Date.now() - 3 * 3_600_000;
    const tick = async () => {
      const stop = new AbortController();
      let sentUpTo = 0;
      const result = await runLive(
        { seed: 'live', sessionsPerDay: 400, apiUrl: stack.url, apiKey: KEY, since, tickMs: 10, onTick: (now) => ((sentUpTo = now), stop.abort()) },
        stop.signal,
      );
      return { ...result, sentUpTo };
    };
    const dueBy = (now: number) =>
      generateTraffic({ seed: 'live', days: 1, sessionsPerDay: 400, now })
        .sessions.flatMap((s) => s.batches.flat())
        .filter((e) => e.timestamp > since);
    const window = { from: since - 3_600_000, to: Date.now() + 4 * 3_600_000 };
    const pageviewsOf = async (site: string) => (await getStats(stack.url, { site_id: site, ...window }, KEY)).totals.pageviews;
    const sites = [...new Set(dueBy(Date.now()).map((e) => e.site_id))];
    // The sites have the first test's day already: count what this one adds.
    const before = new Map(await Promise.all(sites.map(async (site) => [site, await pageviewsOf(site)] as const)));
    const first = await tick();
    const due = dueBy(first.sentUpTo);
    expect(due.length).toBeGreaterThan(0);
    expect(first).toMatchObject({ events: due.length, accepted: due.length });
    // A second player from the same point sends those events again, plus any whose time
    // came in between: the collector takes them all, and counts each page view once.
    const second = await tick();
    const dueLater = dueBy(second.sentUpTo);
    expect(second).toMatchObject({ events: dueLater.length, accepted: dueLater.length });
    const views = new Map<string, number>();
    for (const e of dueLater) if (e.event_type === 'page_view') views.set(e.site_id, (views.get(e.site_id) ?? 0) + 1);
    for (const site of sites) expect((await pageviewsOf(site)) - before.get(site)!, site).toBe(views.get(site) ?? 0);
  });
});
