import type { RealtimeData, StatsData } from '@liveinsight/contract';
import type { ApiClient, ApiError } from './api/client.js';
import type { LiveQuery, PageStats } from './api/query-results.js';
import { createController, type Controller, type ControllerEvent } from './controller.js';
import { byId, fill, h } from './dom.js';
import { csvFileName, downloadCsv, toCsv, toCsvSections, type Table } from './format/csv.js';
import { countedNote, formatCount, pageviewsLabel } from './format/format.js';
import { describeWindow } from './format/window.js';
import { allBreakdownTables, createBreakdownsPanel, FIRST_TABS } from './panels/breakdowns.js';
import { archiveNote, breakdownsNote, sectionCaveats } from './panels/caveats.js';
import { createChartPanel, timeseriesTable } from './panels/chart.js';
import { createFilterForm, renderFilterChips } from './panels/filters.js';
import { healthTable, renderHealth } from './panels/health.js';
import { intervalButtons } from './panels/intervals.js';
import { realtimeTables, renderLiveQuery, renderRealtime } from './panels/realtime.js';
import { createSettingsPanel } from './panels/settings.js';
import { installSnippet } from './panels/snippet.js';
import { renderTotals, totalsTable } from './panels/totals.js';
import type { KeyStore } from './state/key-store.js';
import { PERIODS, serializeFragment, withFilter, type Filter, type Period } from './state/view-state.js';

export { REALTIME_REFRESH_MS, STATS_REFRESH_MS } from './controller.js';

/**
 * The page: it renders what the controller (controller.ts) holds and hands clicks back to
 * it. Nothing here loads, times or keeps state beyond what is on screen.
 */

export interface DashboardDeps {
  api: ApiClient;
  keys: KeyStore;
  apiBase: string;
}

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
    keyNotice: byId('key-notice'),
    keyNoticeScopes: byId('key-notice-scopes'),
    keyCommand: byId('key-notice-command'),
    copyKeyCommand: byId('copy-key-command'),
    settings: byId('settings'),
  };

  const controller: Controller = createController({ api, keys, shownBreakdowns: FIRST_TABS });
  const lifetime = new AbortController();
  const { signal } = lifetime;

  const chart = createChartPanel(byId('chart'), byId('chart-legend'), byId('chart-note'));
  /** A chip from a breakdown row or the form joins the others (withFilter says how). */
  const addFilter = (filter: Filter) => controller.navigate({ filters: withFilter(controller.view.filters, filter) });
  createFilterForm(byId('filter-form'), addFilter);
  /** The chips last drawn, so that a refresh leaves an open operator select alone. */
  let chipsShown: string | undefined;
  const breakdowns = createBreakdownsPanel(byId('breakdowns'), {
    onFilter: addFilter,
    onExport: (cardId) => {
      const table = breakdowns.table(cardId);
      if (table) exportTable(table.name, table.table);
    },
    onShow: (name) => controller.showBreakdown(name),
  });

  const settings = createSettingsPanel({
    save: (site, next, adminKey) => controller.saveSettings(site, next, adminKey),
    retry: () => controller.loadSettings(),
  });

  function render(event: ControllerEvent): void {
    switch (event.type) {
      case 'screen':
        return show();
      case 'view':
        el.customRange.hidden = controller.view.period !== 'custom';
        if (event.siteChanged) renderPicker();
        return renderToolbar();
      case 'toolbar':
        return renderToolbar();
      case 'sites':
        return renderPicker();
      case 'busy':
        return el.dashboard.setAttribute('aria-busy', String(event.busy));
      case 'stats':
        if (controller.stats) renderStats(controller.stats);
        return;
      case 'realtime':
        if (controller.realtime) renderRealtimePanel(controller.realtime);
        return;
      case 'error':
        el.bannerText.textContent = event.error instanceof Error ? event.error.message : String(event.error);
        el.banner.hidden = false;
        return;
      case 'error-cleared':
        el.banner.hidden = true;
        return;
      case 'signin':
        return renderSignin(event.error, event.hadKey);
      case 'key':
        return renderKeyNotice();
      case 'settings':
        return settings.render(controller.settings, controller.settingsError);
    }
  }

  function show(): void {
    const { screen } = controller;
    el.signin.hidden = screen !== 'signin';
    el.empty.hidden = screen !== 'empty';
    el.dashboard.hidden = screen !== 'dashboard' && screen !== 'loading';
    el.toolbar.hidden = screen === 'signin';
    el.livePill.hidden = screen !== 'dashboard';
    el.signOut.hidden = !keys.get();
    el.exportAll.hidden = screen !== 'dashboard';
    const { site } = controller.view;
    el.settings.hidden = (screen !== 'dashboard' && screen !== 'empty') || !controller.sites.some((s) => s.site_id === site);
    if (screen === 'signin') el.pickerWrap.hidden = true;
    if (screen === 'empty') renderEmpty();
    document.body.dataset.screen = screen;
  }

  function renderSignin(error: ApiError, hadKey: boolean): void {
    el.signinMessage.hidden = !hadKey;
    el.signinMessage.textContent = hadKey
      ? `That API key was not accepted (${error.message}). Check the key and try again.`
      : '';
    el.signinKey.focus();
  }

  function renderKeyNotice(): void {
    const held = controller.heldKey;
    el.keyNotice.hidden = !held;
    el.keyNoticeScopes.textContent = held ? `scopes: ${held.scopes.join(', ')}` : '';
  }

  function renderEmpty(): void {
    const { site } = controller.view;
    el.toolbar.hidden = !site;
    el.emptyTitle.textContent = site ? `No data for ${site} yet` : 'No data yet';
    el.snippet.textContent = installSnippet(site ?? 'example.com', location.origin, apiBase);
  }

  function renderStats(data: PageStats): void {
    renderToolbar();
    el.periodLabel.textContent = describeWindow(data);
    renderTotals(el.metrics, data);
    byId('totals-source').textContent = archiveNote(data.served?.totals);
    byId('chart-source').textContent = archiveNote(data.served?.timeseries);
    byId('totals-note').textContent = sectionCaveats(data, 'totals').map((reason) => `≈ ${reason}`).join(' ');
    renderBreakdownsNote(data);
    chart.render(data);
    breakdowns.render(data, controller.view.filters);
    renderHealth(el.healthBody, data.health);
    renderFootnote(data);
  }

  function renderBreakdownsNote(data: StatsData): void {
    const note = byId('breakdowns-note');
    const lines = breakdownsNote(data);
    note.textContent = lines.join(' ');
    note.hidden = lines.length === 0;
  }

  function renderRealtimePanel(data: RealtimeData | LiveQuery): void {
    const full = 'per_minute' in data;
    const live = full ? data.active_sessions : data.visitors;
    el.liveCount.textContent = formatCount(live);
    el.liveCount.dataset.value = String(live);
    byId('live-label').textContent = live === 1 ? 'visitor online' : 'visitors online';
    if (full) renderRealtime(el.realtimeBody, data);
    else renderLiveQuery(el.realtimeBody, data);
    // GET /api/realtime reads the live sessions (narrowed by chips it can take, but not its
    // per-minute bars); other chips are the archive's, which Firehose fills in batches.
    byId('realtime-note').textContent = !full ? 'from the archive, up to ~5 minutes behind in AWS' : data.filtered ? 'live sessions matching the filters · bars: all page views' : '';
  }

  function renderFootnote(data: PageStats): void {
    const { meta } = data;
    const generated = new Date(meta.generated_at);
    fill(
      el.footnote,
      h(
        'p',
        null,
        `Updated ${Number.isNaN(generated.getTime()) ? meta.generated_at : generated.toLocaleTimeString()} · `,
        `buckets are ${meta.timezone} ${meta.bucket}s · `,
        data.served ? `asked of POST /api/v2/query (${data.served.totals.engine})` : `${formatCount(meta.items_read)} rollup items read`,
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
    const ids = controller.sites.map((s) => s.site_id);
    if (controller.view.site && !ids.includes(controller.view.site)) ids.unshift(controller.view.site);
    el.pickerWrap.hidden = ids.length === 0;
    fill(
      el.picker,
      ...ids.map((id) => {
        const summary = controller.sites.find((s) => s.site_id === id);
        const option = h(
          'option',
          { attrs: { value: id, title: summary ? `${pageviewsLabel(summary.pageviews_24h)} in the last 24 hours` : undefined } },
          id,
        );
        option.selected = id === controller.view.site;
        return option;
      }),
    );
  }

  function renderToolbar(): void {
    const { view, stats } = controller;
    for (const button of el.periods.querySelectorAll<HTMLButtonElement>('button[data-period]')) {
      const selected = button.dataset.period === view.period;
      button.classList.toggle('selected', selected);
      button.setAttribute('aria-pressed', String(selected));
    }
    if (view.period === 'custom' && view.from && view.to) {
      (el.customRange.elements.namedItem('from') as HTMLInputElement).value = view.from;
      (el.customRange.elements.namedItem('to') as HTMLInputElement).value = view.to;
    }
    const chips = view.filters ?? [];
    const shown = serializeFragment({ period: view.period, filters: chips });
    if (shown !== chipsShown) {
      chipsShown = shown;
      renderFilterChips(el.filters, chips, {
        onRemove: (index) => controller.navigate({ filters: chips.filter((_, i) => i !== index) }),
        onOperator: (index, op) => controller.navigate({ filters: chips.map((f, i) => (i === index ? { ...f, op } : f)) }),
      });
    }
    fill(el.intervals, ...intervalButtons(stats, view, (interval) => controller.navigate({ interval })));
  }

  function exportTable(name: string, table: Table): void {
    downloadCsv(csvFileName('liveinsight', controller.view.site ?? '', periodName(), name), toCsv(table));
  }

  function periodName(): string {
    const { view } = controller;
    return view.period === 'custom' ? `${view.from}-to-${view.to}` : view.period;
  }

  function exportSection(name: string): void {
    const { stats, realtime } = controller;
    if (name === 'realtime') {
      if (realtime) downloadCsv(csvFileName('liveinsight', controller.view.site ?? '', 'realtime'), toCsvSections(realtimeTables(realtime)));
      return;
    }
    if (!stats) return;
    if (name === 'totals') exportTable('totals', totalsTable(stats));
    if (name === 'timeseries') exportTable('timeseries', timeseriesTable(stats));
    if (name === 'health' && stats.health) exportTable('health', healthTable(stats.health));
  }

  function exportEverything(): void {
    const { stats, realtime } = controller;
    if (!stats) return;
    const sections = [
      { title: 'totals', table: totalsTable(stats) },
      { title: 'timeseries', table: timeseriesTable(stats) },
      ...allBreakdownTables(stats),
      ...(stats.health ? [{ title: 'ingestion health', table: healthTable(stats.health) }] : []),
      ...(realtime ? realtimeTables(realtime) : []),
    ];
    downloadCsv(csvFileName('liveinsight', controller.view.site ?? '', periodName(), 'all'), toCsvSections(sections));
  }

  // --- wiring -------------------------------------------------------------------------

  el.periods.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-period]');
    if (!button) return;
    const period = button.dataset.period as Period;
    if (period === 'custom') {
      el.customRange.hidden = !el.customRange.hidden;
      if (!el.customRange.hidden) prefillCustomRange(controller.stats);
      return;
    }
    if ((PERIODS as readonly string[]).includes(period)) controller.navigate({ period });
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
    controller.navigate({ period: 'custom', from: from <= to ? from : to, to: from <= to ? to : from });
  });

  el.picker.addEventListener('change', () => controller.navigate({ site: el.picker.value, filters: undefined }));

  el.signinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.signinKey.value.trim();
    if (!key) return;
    el.signinKey.value = '';
    controller.signIn(key);
  });

  el.signOut.addEventListener('click', () => {
    keys.clear();
    location.reload();
  });

  el.livePill.addEventListener('click', () => byId('realtime').scrollIntoView({ behavior: 'smooth', block: 'center' }));
  el.bannerRetry.addEventListener('click', () => controller.retry());
  el.exportAll.addEventListener('click', exportEverything);
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-export]')) {
    const name = button.dataset.export!;
    if (!name.startsWith('breakdown:')) button.addEventListener('click', () => exportSection(name));
  }

  el.copySnippet.addEventListener('click', () => copyText(el.copySnippet, el.snippet));
  el.copyKeyCommand.addEventListener('click', () => copyText(el.copyKeyCommand, el.keyCommand));

  const global = { signal };
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => chart.restyle(), global);

  controller.subscribe(render);
  controller.start();

  return {
    stop() {
      lifetime.abort();
      controller.stop();
    },
  };
}

/** Copies the element's text; where the clipboard is refused, selects it for a manual copy. */
function copyText(button: HTMLElement, source: HTMLElement): void {
  const text = source.textContent ?? '';
  navigator.clipboard?.writeText(text).then(
    () => (button.textContent = 'Copied'),
    () => selectText(source),
  ) ?? selectText(source);
}

function selectText(element: HTMLElement): void {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}
