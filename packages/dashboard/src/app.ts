import type { RealtimeData, SiteSummary, StatsData } from '@liveinsight/collector/api-types';
import { ApiError, type ApiClient } from './api/client.js';
import { byId, fill, h } from './dom.js';
import { csvFileName, downloadCsv, toCsv, toCsvSections, type Table } from './format/csv.js';
import { countedNote, formatCount, pageviewsLabel } from './format/format.js';
import { allBreakdownTables, createBreakdownsPanel } from './panels/breakdowns.js';
import { breakdownsNarrowed, sectionCaveats } from './panels/caveats.js';
import { createChartPanel, timeseriesTable } from './panels/chart.js';
import { renderFilterChip } from './panels/filters.js';
import { healthTable, renderHealth } from './panels/health.js';
import { realtimeTables, renderRealtime } from './panels/realtime.js';
import { installSnippet } from './panels/snippet.js';
import { renderTotals, totalsTable } from './panels/totals.js';
import type { KeyStore } from './state/key-store.js';
import {
  intervalChoices,
  parseFragment,
  PERIODS,
  serializeFragment,
  statsQuery,
  withChanges,
  type Period,
  type ViewState,
} from './state/view-state.js';
import { describeWindow } from './format/window.js';

/** The live counter's refresh, as the issue asks: every 10 seconds while the tab is visible. */
export const REALTIME_REFRESH_MS = 10_000;
/** Stats of a window that ends now are refreshed too, less often: rollups move slower than the counter. */
export const STATS_REFRESH_MS = 60_000;

export interface DashboardDeps {
  api: ApiClient;
  keys: KeyStore;
  apiBase: string;
}

type Screen = 'loading' | 'signin' | 'empty' | 'dashboard';

export interface Dashboard {
  /** Removes the global listeners and timers; answers still in flight are dropped. */
  stop(): void;
}

export function startDashboard({ api, keys, apiBase }: DashboardDeps): Dashboard {
  const el = {
    pickerWrap: byId('site-picker-wrap'),
    picker: byId<HTMLSelectElement>('site-picker'),
    livePill: byId('live-pill'),
    liveCount: byId('live-count'),
    signOut: byId('sign-out'),
    toolbar: byId('toolbar'),
    periods: byId('periods'),
    customRange: byId<HTMLFormElement>('custom-range'),
    filters: byId('filters'),
    exportAll: byId('export-all'),
    banner: byId('banner'),
    bannerText: byId('banner-text'),
    bannerRetry: byId('banner-retry'),
    signin: byId('signin'),
    signinMessage: byId('signin-message'),
    signinForm: byId<HTMLFormElement>('signin-form'),
    signinKey: byId<HTMLInputElement>('signin-key'),
    empty: byId('empty'),
    emptyTitle: byId('empty-title'),
    snippet: byId('snippet'),
    copySnippet: byId('copy-snippet'),
    dashboard: byId('dashboard'),
    periodLabel: byId('period-label'),
    metrics: byId('metrics'),
    intervals: byId('intervals'),
    realtimeBody: byId('realtime-body'),
    healthBody: byId('health-body'),
    footnote: byId('footnote'),
  };

  let state: ViewState = takeFragment().state;
  let sites: SiteSummary[] = [];
  let stats: StatsData | undefined;
  let realtime: RealtimeData | undefined;
  // Responses that arrive after a newer request started are dropped: aborting them
  // instead would show up as failed requests in the network log.
  let statsRequest = 0;
  let realtimeRequest = 0;
  let retry: () => void = () => void loadSites();
  /** The sign-in form is up for a refused key; set until a new key is tried. */
  let waitingForKey = false;
  const timers: number[] = [];
  const lifetime = new AbortController();
  const { signal } = lifetime;

  const chart = createChartPanel(byId('chart'), byId('chart-legend'), byId('chart-note'));
  const breakdowns = createBreakdownsPanel(byId('breakdowns'), {
    onFilter: (filter) => navigate({ filter }),
    onExport: (cardId) => {
      const table = breakdowns.table(cardId);
      if (table) exportTable(table.name, table.table);
    },
  });

  /** Reads the fragment; a key found there is stored and removed from the address bar. */
  function takeFragment(): { state: ViewState; newKey: boolean } {
    const parsed = parseFragment(location.hash);
    if (parsed.key) {
      keys.set(parsed.key);
      const fragment = serializeFragment(parsed.state);
      history.replaceState(history.state, '', `${location.pathname}${location.search}${fragment ? `#${fragment}` : ''}`);
    }
    return { state: parsed.state, newKey: Boolean(parsed.key) };
  }

  function show(screen: Screen): void {
    el.signin.hidden = screen !== 'signin';
    el.empty.hidden = screen !== 'empty';
    el.dashboard.hidden = screen !== 'dashboard' && screen !== 'loading';
    el.toolbar.hidden = screen === 'signin';
    el.livePill.hidden = screen !== 'dashboard';
    el.signOut.hidden = !keys.get();
    el.exportAll.hidden = screen !== 'dashboard';
    if (screen === 'signin') el.pickerWrap.hidden = true;
    document.body.dataset.screen = screen;
  }

  function showError(error: unknown, again: () => void): void {
    el.bannerText.textContent = error instanceof Error ? error.message : String(error);
    el.banner.hidden = false;
    retry = again;
  }

  function clearError(): void {
    el.banner.hidden = true;
  }

  function askForKey(error: ApiError): void {
    // Stats and realtime fail together when a key is revoked: the first one explains.
    if (waitingForKey) return;
    waitingForKey = true;
    stopTimers();
    const hadKey = Boolean(keys.get());
    keys.clear();
    show('signin');
    clearError();
    el.signinMessage.hidden = !hadKey;
    el.signinMessage.textContent = hadKey
      ? `That API key was not accepted (${error.message}). Check the key and try again.`
      : '';
    el.signinKey.focus();
  }

  function handleFailure(error: unknown, again: () => void): void {
    if (error instanceof ApiError && error.unauthorized) askForKey(error);
    else showError(error, again);
  }

  async function loadSites(): Promise<void> {
    clearError();
    if (!stats) show('loading');
    let answer: SiteSummary[];
    try {
      answer = (await api.sites()).sites;
    } catch (error) {
      if (!signal.aborted) handleFailure(error, () => void loadSites());
      return;
    }
    if (signal.aborted) return;
    sites = answer;
    const busiest = [...sites].sort((a, b) => b.pageviews_24h - a.pageviews_24h)[0];
    if (!state.site && busiest) {
      state = withChanges(state, { site: busiest.site_id });
      history.replaceState(history.state, '', `#${serializeFragment(state)}`);
    }
    renderPicker();
    if (!state.site) {
      showEmpty();
      return;
    }
    show(stats ? 'dashboard' : 'loading');
    await Promise.all([loadStats(), loadRealtime()]);
    startTimers();
  }

  /** `quiet` is the periodic refresh: the panels stay as they are until the answer is in. */
  async function loadStats(quiet = false): Promise<void> {
    const site = state.site;
    if (!site) return;
    const request = ++statsRequest;
    if (!quiet) el.dashboard.setAttribute('aria-busy', 'true');
    renderToolbar();
    try {
      const data = await api.stats(statsQuery({ ...state, site }, { include: 'health' }));
      if (request !== statsRequest || signal.aborted) return;
      stats = data;
      clearError();
      renderStats(data);
    } catch (error) {
      if (request === statsRequest && !signal.aborted) handleFailure(error, () => void loadStats());
    } finally {
      if (request === statsRequest) el.dashboard.setAttribute('aria-busy', 'false');
    }
  }

  async function loadRealtime(): Promise<void> {
    const site = state.site;
    if (!site) return;
    const request = ++realtimeRequest;
    try {
      const data = await api.realtime(site);
      if (request !== realtimeRequest || signal.aborted) return;
      realtime = data;
      renderRealtimePanel(data);
    } catch (error) {
      if (request === realtimeRequest && !signal.aborted) handleFailure(error, () => void loadRealtime());
    }
  }

  function siteHasData(site: string): boolean {
    return sites.some((s) => s.site_id === site);
  }

  function renderStats(data: StatsData): void {
    const nothing = data.totals.pageviews === 0 && data.totals.events === 0 && data.totals.sessions === 0;
    if (nothing && !data.filter && !siteHasData(data.site_id)) {
      showEmpty();
      return;
    }
    show('dashboard');
    renderToolbar();
    el.periodLabel.textContent = describeWindow(data);
    renderTotals(el.metrics, data);
    byId('totals-note').textContent = sectionCaveats(data, 'totals').map((reason) => `≈ ${reason}`).join(' ');
    renderBreakdownsNote(data);
    chart.render(data);
    breakdowns.render(data);
    renderHealth(el.healthBody, data.health);
    renderFootnote(data);
  }

  function renderBreakdownsNote(data: StatsData): void {
    const note = byId('breakdowns-note');
    const lines = sectionCaveats(data, 'breakdowns');
    // Filtered totals beside unfiltered tables would mislead without a word.
    if (data.filter && !breakdownsNarrowed(data)) {
      lines.unshift('The tables below cover all traffic of the period: the filter narrows the overview and the chart only.');
    }
    note.textContent = lines.join(' ');
    note.hidden = lines.length === 0;
  }

  function renderRealtimePanel(data: RealtimeData): void {
    el.liveCount.textContent = formatCount(data.active_sessions);
    el.liveCount.dataset.value = String(data.active_sessions);
    byId('live-label').textContent = data.active_sessions === 1 ? 'visitor online' : 'visitors online';
    renderRealtime(el.realtimeBody, data);
  }

  function renderFootnote(data: StatsData): void {
    const { meta } = data;
    const generated = new Date(meta.generated_at);
    fill(
      el.footnote,
      h(
        'p',
        null,
        `Updated ${Number.isNaN(generated.getTime()) ? meta.generated_at : generated.toLocaleTimeString()} · `,
        `buckets are ${meta.timezone} ${meta.bucket}s · `,
        `${formatCount(meta.items_read)} rollup items read`,
        meta.other_folded ? ' · rare values are grouped as (other)' : '',
        countedNote(meta.counted_until, generated),
      ),
      meta.approximations.length
        ? h(
            'ul',
            { class: 'approximations' },
            ...meta.approximations.map((a) => h('li', null, h('code', null, a.field), ` ≈ ${a.reason}`)),
          )
        : h('p', null, 'Every number on this page is an exact count.'),
    );
  }

  function renderPicker(): void {
    const ids = sites.map((s) => s.site_id);
    if (state.site && !ids.includes(state.site)) ids.unshift(state.site);
    el.pickerWrap.hidden = ids.length === 0;
    fill(
      el.picker,
      ...ids.map((id) => {
        const summary = sites.find((s) => s.site_id === id);
        const option = h(
          'option',
          { attrs: { value: id, title: summary ? `${pageviewsLabel(summary.pageviews_24h)} in the last 24 hours` : undefined } },
          id,
        );
        option.selected = id === state.site;
        return option;
      }),
    );
  }

  function renderToolbar(): void {
    for (const button of el.periods.querySelectorAll<HTMLButtonElement>('button[data-period]')) {
      const selected = button.dataset.period === state.period;
      button.classList.toggle('selected', selected);
      button.setAttribute('aria-pressed', String(selected));
    }
    if (state.period === 'custom' && state.from && state.to) {
      (el.customRange.elements.namedItem('from') as HTMLInputElement).value = state.from;
      (el.customRange.elements.namedItem('to') as HTMLInputElement).value = state.to;
    }
    renderFilterChip(el.filters, state.filter, () => navigate({ filter: undefined }));
    // GET /api/realtime takes no filter: say so rather than let live numbers pass as filtered.
    byId('realtime-note').textContent = state.filter ? 'all traffic, unfiltered' : '';
    const choices = intervalChoices(state);
    const active = state.interval ?? stats?.interval;
    fill(
      el.intervals,
      ...(choices.length > 1
        ? choices.map((interval) =>
            h(
              'button',
              {
                class: interval === active ? 'selected' : '',
                attrs: { type: 'button', 'aria-pressed': String(interval === active) },
                data: { interval },
                on: { click: () => navigate({ interval }) },
              },
              interval === 'hour' ? 'Hours' : 'Days',
            ),
          )
        : []),
    );
  }

  function showEmpty(): void {
    stopTimers();
    show('empty');
    el.toolbar.hidden = !state.site;
    const site = state.site ?? 'example.com';
    el.emptyTitle.textContent = state.site ? `No data for ${state.site} yet` : 'No data yet';
    el.snippet.textContent = installSnippet(site, location.origin, apiBase);
  }

  /** Applies a change to the view and records it in the URL (so Back undoes it). */
  function navigate(changes: Partial<ViewState>): void {
    const next = withChanges(state, changes);
    const fragment = serializeFragment(next);
    if (fragment === serializeFragment(state)) return;
    history.pushState(history.state, '', `#${fragment}`);
    apply(next);
  }

  function apply(next: ViewState): void {
    const siteChanged = next.site !== state.site;
    state = next;
    el.customRange.hidden = state.period !== 'custom';
    if (siteChanged) {
      stats = undefined;
      realtime = undefined;
      renderPicker();
      void loadSites();
      return;
    }
    void loadStats();
  }

  function startTimers(): void {
    stopTimers();
    if (document.hidden || !state.site) return;
    timers.push(window.setInterval(() => void loadRealtime(), REALTIME_REFRESH_MS));
    timers.push(
      window.setInterval(() => {
        if (stats && Date.parse(stats.to) >= Date.now() - STATS_REFRESH_MS) void loadStats(true);
      }, STATS_REFRESH_MS),
    );
  }

  function stopTimers(): void {
    for (const timer of timers.splice(0)) clearInterval(timer);
  }

  function exportTable(name: string, table: Table): void {
    downloadCsv(csvFileName('liveinsight', state.site ?? '', periodName(), name), toCsv(table));
  }

  function periodName(): string {
    return state.period === 'custom' ? `${state.from}-to-${state.to}` : state.period;
  }

  function exportSection(name: string): void {
    if (name === 'realtime') {
      if (realtime) downloadCsv(csvFileName('liveinsight', state.site ?? '', 'realtime'), toCsvSections(realtimeTables(realtime)));
      return;
    }
    if (!stats) return;
    if (name === 'totals') exportTable('totals', totalsTable(stats));
    if (name === 'timeseries') exportTable('timeseries', timeseriesTable(stats));
    if (name === 'health' && stats.health) exportTable('health', healthTable(stats.health));
  }

  function exportEverything(): void {
    if (!stats) return;
    const sections = [
      { title: 'totals', table: totalsTable(stats) },
      { title: 'timeseries', table: timeseriesTable(stats) },
      ...allBreakdownTables(stats),
      ...(stats.health ? [{ title: 'ingestion health', table: healthTable(stats.health) }] : []),
      ...(realtime ? realtimeTables(realtime) : []),
    ];
    downloadCsv(csvFileName('liveinsight', state.site ?? '', periodName(), 'all'), toCsvSections(sections));
  }

  // --- wiring -------------------------------------------------------------------------

  el.periods.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-period]');
    if (!button) return;
    const period = button.dataset.period as Period;
    if (period === 'custom') {
      el.customRange.hidden = !el.customRange.hidden;
      if (!el.customRange.hidden) prefillCustomRange(stats);
      return;
    }
    if ((PERIODS as readonly string[]).includes(period)) navigate({ period });
  });

  /** Starts the date inputs on the window on screen, or on the last seven UTC days. */
  function prefillCustomRange(data: StatsData | undefined): void {
    const from = el.customRange.elements.namedItem('from') as HTMLInputElement;
    const to = el.customRange.elements.namedItem('to') as HTMLInputElement;
    const today = new Date().toISOString().slice(0, 10);
    // The window's `to` is exclusive: the last day shown is the one before it.
    from.value ||= data?.from.slice(0, 10) || new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    to.value ||= data ? new Date(Date.parse(data.to) - 1).toISOString().slice(0, 10) : today;
    from.max = to.max = today;
  }

  el.customRange.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = (el.customRange.elements.namedItem('from') as HTMLInputElement).value;
    const to = (el.customRange.elements.namedItem('to') as HTMLInputElement).value;
    if (!from || !to) return;
    navigate({ period: 'custom', from: from <= to ? from : to, to: from <= to ? to : from });
  });

  el.picker.addEventListener('change', () => navigate({ site: el.picker.value, filter: undefined }));

  el.signinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.signinKey.value.trim();
    if (!key) return;
    keys.set(key);
    el.signinKey.value = '';
    waitingForKey = false;
    void loadSites();
  });

  el.signOut.addEventListener('click', () => {
    keys.clear();
    location.reload();
  });

  el.livePill.addEventListener('click', () => byId('realtime').scrollIntoView({ behavior: 'smooth', block: 'center' }));
  el.bannerRetry.addEventListener('click', () => retry());
  el.exportAll.addEventListener('click', exportEverything);
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-export]')) {
    const name = button.dataset.export!;
    if (!name.startsWith('breakdown:')) button.addEventListener('click', () => exportSection(name));
  }

  el.copySnippet.addEventListener('click', () => {
    const text = el.snippet.textContent ?? '';
    navigator.clipboard?.writeText(text).then(
      () => (el.copySnippet.textContent = 'Copied'),
      () => selectText(el.snippet),
    ) ?? selectText(el.snippet);
  });

  const global = { signal };
  window.addEventListener('hashchange', () => {
    const { state: next, newKey } = takeFragment();
    if (newKey) {
      // A link with another key was pasted: start over with it.
      waitingForKey = false;
      state = next;
      stats = undefined;
      void loadSites();
    } else if (serializeFragment(next) !== serializeFragment(state)) {
      apply(next);
    }
  }, global);

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      stopTimers();
    } else if (document.body.dataset.screen === 'dashboard') {
      void loadRealtime();
      startTimers();
    }
  }, global);

  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => chart.restyle(), global);

  el.customRange.hidden = state.period !== 'custom';
  renderToolbar();
  void loadSites();

  return {
    stop() {
      lifetime.abort();
      stopTimers();
    },
  };
}

function selectText(element: HTMLElement): void {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}
