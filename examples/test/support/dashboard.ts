import type { Totals } from '@liveinsight/contract';
import type { Page } from 'playwright-core';

export interface DashboardNumbers {
  totals: Totals;
  /** Custom events as the "Custom events" card lists them, with their counts. */
  events: Record<string, number>;
  /** The "Top pages" card: path → pageviews. */
  pages: Record<string, number>;
}

const TOTALS = ['pageviews', 'visitors', 'sessions', 'bounce_rate', 'avg_duration_s', 'events'] as const;

/**
 * Opens the dashboard on a site and period and reads what it shows, from the exact
 * values the dashboard puts in data-value attributes (the text is formatted, e.g. "1.2k").
 */
export async function readDashboard(page: Page, baseUrl: string, site: string, period = '24h'): Promise<DashboardNumbers> {
  await page.goto(`${baseUrl}/#site=${encodeURIComponent(site)}&period=${period}`);
  await page.locator('body[data-screen="dashboard"]').waitFor({ timeout: 15_000 });
  await page.locator('#dashboard[aria-busy="false"]').waitFor({ timeout: 15_000 });
  const totals = {} as Totals;
  for (const id of TOTALS) {
    totals[id] = Number(await page.locator(`.metric[data-metric="${id}"] .metric-value`).getAttribute('data-value'));
  }
  // Event rows only: their property rows are clickable too (each adds a property chip).
  const events = await page.locator('[data-card="events"] tr.clickable:not(.prop-row)').evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((row) => [(row as HTMLElement).dataset.value, Number(row.querySelector<HTMLElement>('[data-column="count"]')?.dataset.value)]),
    ),
  );
  const pages = await page.locator('[data-card="pages"] tbody tr').evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((row) => [(row as HTMLElement).dataset.value, Number(row.querySelector<HTMLElement>('[data-column="pageviews"]')?.dataset.value)]),
    ),
  );
  return { totals, events, pages };
}
