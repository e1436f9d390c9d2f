import type { RealtimeData, SitesData, StatsData } from '@liveinsight/contract';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../src/api/client.js';
import { createKeyStore } from '../src/state/key-store.js';
import { realtimeFixture, statsFixture } from './support/fixtures.js';
import { useDashboardPage } from './support/page.js';

// uPlot needs a real canvas, which happy-dom lacks: the browser tests draw the chart.
vi.mock('../src/panels/chart.js', () => ({
  createChartPanel: () => ({ render() {}, restyle() {} }),
  timeseriesTable: () => ({ columns: [], rows: [] }),
}));

const SITES: SitesData = { sites: [{ site_id: 'shop.example', pageviews_24h: 10, first_seen: '2025-01-01T00:00:00Z' }] };

const page = useDashboardPage();

/** Starts the dashboard on `hash` with stats answered by `stats`; the queries it sent are recorded. */
function open(hash: string, stats: (query: URLSearchParams) => StatsData) {
  history.replaceState(null, '', `/${hash}`);
  localStorage.setItem('liveinsight.key', 'k');
  const queries: URLSearchParams[] = [];
  const api: ApiClient = {
    base: '',
    sites: () => Promise.resolve(SITES),
    stats: (query) => {
      queries.push(query);
      return Promise.resolve().then(() => stats(query));
    },
    realtime: (): Promise<RealtimeData> => Promise.resolve(realtimeFixture()),
    query: () => Promise.reject(new Error('GET /api/stats answers these views')),
    // A collector older than key scopes and site settings.
    key: () => Promise.reject(new ApiError(404, 'No such endpoint')),
    settings: () => Promise.reject(new ApiError(404, 'No such endpoint')),
    saveSettings: () => Promise.reject(new ApiError(404, 'No such endpoint')),
  };
  page.start({ api, keys: createKeyStore(), apiBase: '' });
  return queries;
}

const shown = () => vi.waitFor(() => expect(document.body.dataset.screen).toBe('dashboard'));
const intervalButtons = () => [...document.querySelectorAll<HTMLButtonElement>('#intervals button')].map((b) => b.dataset.interval);

describe('the dashboard follows the answer\'s meta', () => {
  it('offers the intervals meta.intervals lists, not a guess from the period', async () => {
    open('#site=shop.example&period=7d', () => statsFixture());
    await shown();
    expect(intervalButtons()).toEqual(['hour', 'day']);
    page.restart();

    open('#site=shop.example&period=7d', () => {
      const week = statsFixture();
      week.meta.intervals = ['day'];
      return week;
    });
    await shown();
    // A week would get hours and days by the period: the API said days alone.
    expect(intervalButtons()).not.toContain('hour');
  });

  it('asks for the interval in the URL, and drops it once the answer does not offer it', async () => {
    const queries = open('#site=shop.example&period=7d&interval=hour&filter=os%3ALinux', () => {
      const filtered = statsFixture({ filter: { dimension: 'os', value: 'Linux' } });
      filtered.meta.intervals = ['day'];
      return filtered;
    });
    expect(location.hash).toContain('interval=hour');
    await shown();
    expect(queries[0]!.get('interval')).toBe('hour');
    await vi.waitFor(() => expect(location.hash).toBe('#site=shop.example&filter=os%3ALinux'));
  });

  it('keeps the interval the answer offers', async () => {
    const queries = open('#site=shop.example&period=7d&interval=hour', () => statsFixture({ interval: 'hour' }));
    await shown();
    expect(queries[0]!.get('interval')).toBe('hour');
    expect(location.hash).toBe('#site=shop.example&period=7d&interval=hour');
    expect(document.querySelector('#intervals [data-interval="hour"]')!.getAttribute('aria-pressed')).toBe('true');
  });

  it('asks again without an interval the API refuses for the window', async () => {
    const queries = open('#site=shop.example&period=12mo&interval=hour', (query) => {
      if (query.get('interval') === 'hour') throw new ApiError(400, 'interval=hour allows windows of at most 31 days');
      const year = statsFixture({ period: '12mo' });
      year.meta.intervals = ['day'];
      return year;
    });
    await shown();
    await vi.waitFor(() => expect(queries).toHaveLength(2));
    expect(queries[1]!.has('interval')).toBe(false);
    expect(location.hash).toBe('#site=shop.example&period=12mo');
    expect(document.getElementById('banner')!.hidden).toBe(true);
  });

  it('notes unfiltered tables under a filter only while meta.filtered.breakdowns is false', async () => {
    const note = () => document.getElementById('breakdowns-note')!;
    const filter = { dimension: 'page' as const, value: '/' };
    open('#site=shop.example&filter=page%3A%2F', () => statsFixture({ filter }));
    await shown();
    expect(note().hidden).toBe(false);
    expect(note().textContent).toMatch(/cover all traffic/);
    page.restart();

    open('#site=shop.example&filter=page%3A%2F', () => {
      const narrowed = statsFixture({ filter });
      narrowed.meta.filtered = { totals: true, previous: true, timeseries: true, breakdowns: true };
      return narrowed;
    });
    await shown();
    expect(note().hidden).toBe(true);
  });
});
