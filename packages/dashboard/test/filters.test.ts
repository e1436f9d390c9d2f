import type { SitesData, StatsData } from '@liveinsight/contract';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import type { QueryBody } from '../src/api/query.js';
import { archiveNote } from '../src/panels/caveats.js';
import { createKeyStore, KEY_STORAGE_NAME } from '../src/state/key-store.js';
import { API_BASE, useCollector, type Answer, type Received } from './support/collector.js';
import { realtimeFixture, statsFixture } from './support/fixtures.js';
import { useDashboardPage } from './support/page.js';

// uPlot needs a real canvas, which happy-dom lacks: the chart's data is recorded instead
// (the browser tests draw it).
const charted = vi.hoisted(() => [] as StatsData[]);
vi.mock('../src/panels/chart.js', () => ({
  createChartPanel: () => ({ render: (data: StatsData) => charted.push(data), restyle() {} }),
  timeseriesTable: () => ({ columns: [], rows: [] }),
}));

const page = useDashboardPage();
const collector = useCollector();

const SITE = 'shop.example';
const KEY = 'read-key';
const SITES: SitesData = { sites: [{ site_id: SITE, pageviews_24h: 10, first_seen: '2025-01-01T00:00:00Z' }] };
const GENERATED = '2025-03-05T14:02:00.000Z';
const META = { engine: 'archive', generated_at: GENERATED };
/** What the server echoes for `7d` asked on 2025-03-05: the window the page shows, whatever today is. */
const WEEK = ['2025-02-27T00:00:00.000Z', '2025-03-05T23:59:59.999Z'];

const TOTAL_METRICS = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'events'];
const BREAKDOWN_DIMENSIONS: Record<string, string> = {
  pages: 'event:page',
  entry_pages: 'visit:entry_page',
  exit_pages: 'visit:exit_page',
  referrers: 'visit:referrer',
  utm_source: 'visit:utm_source',
  utm_medium: 'visit:utm_medium',
  utm_campaign: 'visit:utm_campaign',
  browsers: 'visit:browser',
  os: 'visit:os',
  devices: 'visit:device',
  countries: 'visit:country',
  events: 'event:name',
};

const bodyOf = (request: Received) => JSON.parse(request.body) as QueryBody;
/** The realtime panel's question: the last minutes as ISO date-times. */
const isRealtime = (body: QueryBody) => Array.isArray(body.date_range) && body.date_range[0]!.includes('T');

/** Fixture answers of POST /api/v2/query, by what is asked. */
function v2Answer(body: QueryBody): Answer {
  const rows = (...list: [string[], number[]][]) => list.map(([dimensions, metrics]) => ({ dimensions, metrics }));
  if (isRealtime(body)) return { raw: { results: rows([[], [2, 5]]), meta: META, query: body } };
  const dimension = body.dimensions?.[0];
  // The previous period is the one asked by its dates (the window goes by name, '7d').
  const previous = dimension === undefined && Array.isArray(body.date_range);
  const results =
    previous
      ? rows([[], [20, 25, 60, 50, 95, 70]])
      : dimension === undefined
      ? rows([[], [40, 50, 120, 38, 95, 135]])
      : dimension === 'time:day'
        ? rows([['2025-03-03'], [11, 30]], [['2025-03-05'], [29, 90]])
        : dimension === 'event:page'
          ? rows([['/pricing'], [30, 90]], [['/'], [12, 30]])
          : dimension === 'visit:country'
            ? rows([['DE'], [40, 120]])
            : dimension === 'visit:os'
              ? rows([['Linux'], [25, 70]])
            : dimension === 'event:name'
              ? rows([['page_view'], [120]], [['signup'], [15]])
              : [];
  return { raw: { results, meta: META, query: { ...body, date_range: WEEK } } };
}

/**
 * The collector: the rollups' answers and, for v2, the fixtures above. `gate` holds every
 * v2 answer of the page back until `gate` page questions have arrived: asked one after the
 * other, they would never all arrive and the test would fail.
 */
function serve({ gate = 0 } = {}): void {
  collector.answer('GET /api/sites', { data: SITES });
  collector.answer('GET /api/stats', (request) => ({ data: statsFixture({ filter: request.query.has('filter') ? { dimension: 'page', value: '/' } : null }) }));
  // Narrowed by filters, the live sessions are fewer: two, the fixture's page rows kept.
  collector.answer('GET /api/realtime', (request) => ({ data: request.query.has('filter') ? { ...realtimeFixture(), active_sessions: 2, filtered: true } : realtimeFixture() }));
  let arrived = 0;
  let open!: () => void;
  const allIn = new Promise<void>((resolve) => (open = resolve));
  collector.answer('POST /api/v2/query', async (request) => {
    const body = bodyOf(request);
    if (!isRealtime(body) && ++arrived >= gate) open();
    if (!isRealtime(body)) await allIn;
    return v2Answer(body);
  });
}

function open(hash: string): void {
  history.replaceState(null, '', `/${hash}`);
  localStorage.setItem(KEY_STORAGE_NAME, KEY);
  const keys = createKeyStore();
  charted.length = 0;
  page.start({ api: createApiClient({ apiBase: API_BASE, key: () => keys.get() }), keys, apiBase: API_BASE });
}

const byId = (id: string) => document.getElementById(id)!;
const stats = () => collector.to('GET /api/stats');
/** The page's v2 questions (totals, chart, breakdowns), without the realtime panel's. */
const pageQueries = () => collector.to('POST /api/v2/query').map(bodyOf).filter((body) => !isRealtime(body));
const realtimeQueries = () => collector.to('POST /api/v2/query').map(bodyOf).filter(isRealtime);
const metric = (id: string) => document.querySelector<HTMLElement>(`[data-metric="${id}"] .metric-value`)!.dataset.value;
const chips = () =>
  [...document.querySelectorAll('#filters .chip')].map((chip) => ({
    dimension: chip.querySelector('.chip-dimension')!.textContent,
    op: chip.querySelector<HTMLSelectElement>('.chip-op')!.value,
    value: chip.querySelector('.chip-value')!.textContent,
  }));
const shown = () => vi.waitFor(() => expect(document.body.dataset.screen).toBe('dashboard'));
/** The breakdowns on screen before a tab is clicked: the first tab of each card, and the events. */
const FIRST_TABS = ['pages', 'referrers', 'browsers', 'countries', 'events'] as const;
/** A page's v2 questions: the totals, the previous period's, the chart, and the breakdowns on screen. */
const PAGE_QUESTIONS = 3 + FIRST_TABS.length;
/** Waits for the page's questions of v2 (the n-th set since the test began). */
const askedOfV2 = (sets: number) => vi.waitFor(() => expect(pageQueries()).toHaveLength(PAGE_QUESTIONS * sets));
const lastTotals = () => pageQueries().filter((body) => !body.dimensions && !Array.isArray(body.date_range)).at(-1)!;

describe('the dashboard asks any question', () => {
  it('keeps one `is` chip on a dimension of GET /api/stats on the rollups: no v2 question for the panels', async () => {
    serve();
    open(`#site=${SITE}&filter=country%3ADE`);
    await shown();
    // The realtime panel narrows the live sessions instead: no v2 question there either.
    await vi.waitFor(() => expect(collector.to('GET /api/realtime').at(-1)?.query.getAll('filter')).toEqual(['country:DE']));
    expect(realtimeQueries()).toEqual([]);
    expect(stats()).toHaveLength(1);
    expect(Object.fromEntries(stats()[0]!.query)).toEqual({ site_id: SITE, period: '7d', filter: 'country:DE', include: 'health' });
    expect(pageQueries()).toEqual([]);
    expect(chips()).toEqual([{ dimension: 'Country', op: 'is', value: 'Germany' }]);
    expect(metric('pageviews')).toBe('1234');
    expect(byId('totals-source').textContent).toBe('');
  });

  it('asks every panel of two chips of v2 at once, with the exact bodies, and shows its numbers', async () => {
    serve({ gate: PAGE_QUESTIONS });
    open(`#site=${SITE}&filter=page%3A%2Fpricing&filter=country%3ADE`);
    await askedOfV2(1);
    await shown();
    const filters = [
      ['is', 'event:page', ['/pricing']],
      ['is', 'visit:country', ['DE']],
    ];
    const bodies = pageQueries();
    expect(bodies).toContainEqual({ site_id: SITE, date_range: '7d', metrics: TOTAL_METRICS, filters });
    // The seven days before the window (today and the six before it), to compare with.
    const day = (daysAgo: number) => new Date((Math.floor(Date.now() / 86_400_000) - daysAgo) * 86_400_000).toISOString().slice(0, 10);
    expect(bodies).toContainEqual({ site_id: SITE, date_range: [day(13), day(7)], metrics: TOTAL_METRICS, filters });
    expect(bodies).toContainEqual({ site_id: SITE, date_range: '7d', metrics: ['visitors', 'pageviews'], dimensions: ['time:day'], filters });
    for (const name of FIRST_TABS) {
      const metrics = name === 'events' ? ['events'] : ['visitors', 'pageviews'];
      expect(bodies, name).toContainEqual({ site_id: SITE, date_range: '7d', metrics, dimensions: [BREAKDOWN_DIMENSIONS[name]], filters, pagination: { limit: 100 } });
    }
    for (const request of collector.to('POST /api/v2/query')) expect(request.key).toBe(KEY);
    // Ingestion health is no chip's: the rollups tell it, unfiltered.
    expect(stats().map((request) => Object.fromEntries(request.query))).toEqual([{ site_id: SITE, period: '7d', include: 'health' }]);

    // v2's numbers, as the panels read them: percentages as fractions, custom events without page views.
    await vi.waitFor(() => expect(metric('visitors')).toBe('40'));
    expect([metric('sessions'), metric('pageviews'), metric('bounce_rate'), metric('avg_duration_s'), metric('events')]).toEqual(['50', '120', '0.38', '95', '15']);
    // Against the previous period's answer: 40 visitors after 20, a bounce rate of 38 % after 50 %.
    expect(document.querySelector('[data-metric="visitors"] .metric-change')!.textContent).toBe('↑ 100%');
    expect(document.querySelector('[data-metric="bounce_rate"] .metric-change')!.textContent).toBe('↓ 24%');
    const pages = [...document.querySelectorAll<HTMLElement>('[data-card="pages"] tbody tr')].map((tr) => [
      tr.dataset.value,
      tr.querySelector<HTMLElement>('[data-column="visitors"]')!.dataset.value,
      tr.querySelector<HTMLElement>('[data-column="pageviews"]')!.dataset.value,
    ]);
    expect(pages).toEqual([
      ['/pricing', '30', '90'],
      ['/', '12', '30'],
    ]);
    expect([...document.querySelectorAll<HTMLElement>('[data-card="events"] tr.clickable:not(.prop-row)')].map((tr) => tr.dataset.value)).toEqual(['signup']);
    expect(document.querySelector('[data-card="countries"] tr[data-value="DE"]')!.classList.contains('active')).toBe(true);
    const series = charted.at(-1)!.timeseries;
    expect(series.map((p) => p.t.slice(0, 10))).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05']);
    expect(series.map((p) => p.pageviews)).toEqual([0, 0, 0, 0, 30, 0, 90]);
    expect(byId('breakdowns-note').hidden).toBe(true);

    // Each panel the archive answered says so, with the answer's time.
    const note = archiveNote(META);
    expect(note).toMatch(/^from the archive · \S+/);
    expect(byId('totals-source').textContent).toBe(note);
    expect(byId('chart-source').textContent).toBe(note);
    for (const card of ['pages', 'sources', 'devices', 'countries', 'events']) {
      expect(document.querySelector(`[data-card="${card}"] .archive-note`)!.textContent, card).toBe(note);
    }
    expect(byId('footnote').textContent).toContain('asked of POST /api/v2/query (archive)');

    // A tab not on screen yet is asked for when it is opened, once.
    expect(bodies.some((body) => body.dimensions?.[0] === 'visit:os')).toBe(false);
    document.querySelector<HTMLButtonElement>('[data-card="devices"] [data-tab="os"]')!.click();
    await vi.waitFor(() => expect(document.querySelector('[data-card="devices"] tr[data-value="Linux"]')).not.toBeNull());
    expect(pageQueries().filter((body) => body.dimensions?.[0] === 'visit:os')).toEqual([
      { site_id: SITE, date_range: '7d', metrics: ['visitors', 'pageviews'], dimensions: ['visit:os'], filters, pagination: { limit: 100 } },
    ]);
    expect(pageQueries()).toHaveLength(PAGE_QUESTIONS + 1);
  });

  it('asks v2 for a `contains` chip, a property chip and an `is not` chip, even alone', async () => {
    serve({ gate: PAGE_QUESTIONS });
    for (const [hash, filter] of [
      ['filter=~page:/blog', ['contains', 'event:page', ['/blog']]],
      ['filter=prop:plan:pro', ['is', 'event:props:plan', ['pro']]],
      ['filter=%21browser:Safari', ['is_not', 'visit:browser', ['Safari']]],
      ['filter=entry_page:/', ['is', 'visit:entry_page', ['/']]],
    ] as const) {
      collector.received.length = 0;
      serve({ gate: PAGE_QUESTIONS });
      open(`#site=${SITE}&${hash}`);
      await askedOfV2(1);
      expect(lastTotals(), hash).toEqual({ site_id: SITE, date_range: '7d', metrics: TOTAL_METRICS, filters: [filter] });
      expect(stats().every((request) => !request.query.has('filter')), hash).toBe(true);
      page.restart();
    }
  });

  it('adds a chip from a row, changes its operator, removes it and adds one by hand, the URL keeping up', async () => {
    serve();
    open(`#site=${SITE}`);
    await shown();
    await vi.waitFor(() => expect(document.querySelector('[data-card="pages"] tr[data-value="/"]')).not.toBeNull());

    // A row: an `is` chip, answered by the rollups.
    document.querySelector<HTMLButtonElement>('[data-card="pages"] tr[data-value="/"] .row-button')!.click();
    expect(location.hash).toBe(`#site=${SITE}&filter=page%3A%2F`);
    expect(chips()).toEqual([{ dimension: 'Page', op: 'is', value: '/' }]);
    await vi.waitFor(() => expect(stats().at(-1)!.query.get('filter')).toBe('page:/'));
    expect(pageQueries()).toEqual([]);

    // A second row: two chips, so v2.
    await vi.waitFor(() => expect(document.querySelector('[data-card="countries"] tr[data-value="DE"]')).not.toBeNull());
    document.querySelector<HTMLButtonElement>('[data-card="countries"] tr[data-value="DE"] .row-button')!.click();
    expect(location.hash).toBe(`#site=${SITE}&filter=page%3A%2F&filter=country%3ADE`);
    await askedOfV2(1);
    expect(lastTotals().filters).toEqual([
      ['is', 'event:page', ['/']],
      ['is', 'visit:country', ['DE']],
    ]);

    // The operator of the first chip.
    const select = document.querySelector<HTMLSelectElement>('#filters .chip-op')!;
    select.focus();
    select.value = 'is_not';
    select.dispatchEvent(new Event('change'));
    expect(location.hash).toBe(`#site=${SITE}&filter=%21page%3A%2F&filter=country%3ADE`);
    expect(chips().map((c) => c.op)).toEqual(['is_not', 'is']);
    await askedOfV2(2);
    expect(lastTotals().filters).toEqual([
      ['is_not', 'event:page', ['/']],
      ['is', 'visit:country', ['DE']],
    ]);
    // Focus stays on the chip's select, not lost to the page.
    expect(document.activeElement).toBe(document.querySelector('#filters .chip-op'));

    // Removing the first leaves one `is` chip: the rollups again.
    const before = stats().length;
    document.querySelector<HTMLButtonElement>('#filters .chip-remove')!.click();
    expect(location.hash).toBe(`#site=${SITE}&filter=country%3ADE`);
    await vi.waitFor(() => expect(stats().length).toBeGreaterThan(before));
    expect(stats().at(-1)!.query.get('filter')).toBe('country:DE');

    // By hand: a property with its key.
    const form = document.querySelector<HTMLFormElement>('#filter-form form')!;
    const control = <T extends HTMLElement>(name: string) => form.querySelector<T>(`[name="${name}"]`)!;
    control<HTMLSelectElement>('dimension').value = 'prop';
    control('dimension').dispatchEvent(new Event('change'));
    control<HTMLInputElement>('key').value = 'plan';
    control<HTMLSelectElement>('op').value = 'contains';
    control<HTMLInputElement>('value').value = 'pro';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(chips()).toEqual([
      { dimension: 'Country', op: 'is', value: 'Germany' },
      { dimension: 'Property plan', op: 'contains', value: 'pro' },
    ]);
    expect(location.hash).toBe(`#site=${SITE}&filter=country%3ADE&filter=%7Eprop%3Aplan%3Apro`);
    await askedOfV2(3);
    expect(lastTotals().filters).toEqual([
      ['is', 'visit:country', ['DE']],
      ['contains', 'event:props:plan', ['pro']],
    ]);

    // The shared link opens the same view.
    const link = location.hash;
    page.restart();
    open(link);
    await shown();
    expect(chips()).toEqual([
      { dimension: 'Country', op: 'is', value: 'Germany' },
      { dimension: 'Property plan', op: 'contains', value: 'pro' },
    ]);
  });

  it('adds a property chip from a property row of the events breakdown', async () => {
    serve();
    open(`#site=${SITE}`);
    await vi.waitFor(() => expect(document.querySelector('[data-card="events"] tr.prop-row')).not.toBeNull());
    document.querySelector<HTMLButtonElement>('[data-card="events"] tr.prop-row .row-button')!.click();
    expect(chips()).toEqual([{ dimension: 'Property plan', op: 'is', value: '<i>pro</i>' }]);
    await askedOfV2(1);
    expect(lastTotals().filters).toEqual([['is', 'event:props:plan', ['<i>pro</i>']]]);
  });

  it('narrows the live sessions for chips they hold, asks v2 for the realtime panel under others', async () => {
    serve();
    open(`#site=${SITE}`);
    await shown();
    await vi.waitFor(() => expect(collector.to('GET /api/realtime')).toHaveLength(1));
    await vi.waitFor(() => expect(document.querySelector('.realtime-number')!.textContent).toBe('4'));
    expect(byId('realtime-note').textContent).toBe('');
    expect(realtimeQueries()).toEqual([]);

    // A page chip and a country chip: what a live session holds, so GET /api/realtime takes them.
    document.querySelector<HTMLButtonElement>('[data-card="pages"] tr[data-value="/"] .row-button')!.click();
    await vi.waitFor(() => expect(collector.to('GET /api/realtime').at(-1)!.query.getAll('filter')).toEqual(['page:/']));
    await vi.waitFor(() => expect(document.querySelector('.realtime-number')!.textContent).toBe('2'));
    expect(document.querySelector('.realtime-caption')!.textContent).toContain('visitors matching the filters');
    expect(byId('realtime-note').textContent).toBe('live sessions matching the filters · bars: all page views');
    expect(byId('live-count').dataset.value).toBe('2');
    expect(realtimeQueries()).toEqual([]);

    // A custom event chip: a live session does not hold its events, so the archive counts the last minutes.
    location.hash = `#site=${SITE}&filter=page%3A%2F&filter=event%3Asignup`;
    await vi.waitFor(() => expect(realtimeQueries()).toHaveLength(1));
    const body = realtimeQueries()[0]!;
    const [from, to] = body.date_range as [string, string];
    expect(body).toEqual({ site_id: SITE, date_range: [from, to], metrics: ['visitors', 'pageviews'], filters: [['is', 'event:page', ['/']], ['is', 'event:name', ['signup']]] });
    expect(new Date(from).toISOString()).toBe(from);
    expect(Date.parse(to) - Date.parse(from)).toBe(5 * 60_000);
    await vi.waitFor(() => expect(document.querySelector('.realtime-pageviews')?.textContent).toBe('5 pageviews in the last 5 minutes'));
    await vi.waitFor(() => expect(byId('realtime-note').textContent).toBe('from the archive, up to ~5 minutes behind in AWS'));

    // No chips: the whole site's live sessions again.
    const asked = collector.to('GET /api/realtime').length;
    location.hash = `#site=${SITE}`;
    await vi.waitFor(() => expect(collector.to('GET /api/realtime').length).toBeGreaterThan(asked));
    expect(collector.to('GET /api/realtime').at(-1)!.query.getAll('filter')).toEqual([]);
    await vi.waitFor(() => expect(byId('realtime-note').textContent).toBe(''));
  });

  it('shows a v2 error as the banner', async () => {
    serve();
    collector.answer('POST /api/v2/query', { raw: { error: 'filters[1]: unknown dimension "visit:colour"' }, status: 400 });
    open(`#site=${SITE}&filter=~page:/a&filter=os:Linux`);
    await vi.waitFor(() => expect(byId('banner').hidden).toBe(false));
    expect(byId('banner-text').textContent).toBe('filters[1]: unknown dimension "visit:colour"');
  });
});
