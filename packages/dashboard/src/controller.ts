/**
 * The dashboard's state and its loads, apart from the page: what is shown (the view in the
 * URL fragment), the last answers of GET /api/sites, /api/stats (or, for chips it cannot
 * take, POST /api/v2/query), /api/realtime and the site's settings, which screen is up,
 * whether the key in use may be remembered, and the refresh timers. Views subscribe and
 * read `controller.*`; they change things only through `navigate`, `refresh`, `retry`,
 * `signIn`, `loadSettings` and `saveSettings`.
 */

import type { Breakdowns, KeySummary, RealtimeData, SiteSettings, SiteSettingsData, SiteSummary, StatsData } from '@liveinsight/contract';
import { ApiError, type ApiClient } from './api/client.js';
import { archiveStats, liveQuery, withBreakdowns, type LiveQuery, type PageStats } from './api/query-results.js';
import type { KeyStore } from './state/key-store.js';
import { REALTIME_MINUTES } from './api/query.js';
import { filterParam, onLiveSessions, parseFragment, sameWindow, serializeFragment, statsFilter, statsQuery, withChanges, type ViewState } from './state/view-state.js';

/** The live counter's refresh, as the issue asks: every 10 seconds while the tab is visible. */
export const REALTIME_REFRESH_MS = 10_000;
/** Stats of a window that ends now are refreshed too, less often: rollups move slower than the counter. */
export const STATS_REFRESH_MS = 60_000;
/**
 * Views answered from the archive refresh less often still: in AWS it is up to ~5 minutes
 * behind (Firehose buffers), and each refresh is eight or more Athena queries (api/query.ts), billed by the scan.
 * Their realtime panel refreshes once a minute (STATS_REFRESH_MS), not every 10 seconds.
 */
export const ARCHIVE_REFRESH_MS = 300_000;

export type Screen = 'loading' | 'signin' | 'empty' | 'dashboard';

/** What changed; the new values are read from the controller. */
export type ControllerEvent =
  /** `screen` was set (again): the views show it. */
  | { type: 'screen' }
  /** The view state was navigated to (by a click, Back, a pasted link or the start). */
  | { type: 'view'; siteChanged: boolean }
  /** The view changed in passing (the dashboard's own correction), or a stats request started. */
  | { type: 'toolbar' }
  /** A new list of sites. */
  | { type: 'sites' }
  /** A stats request started (`busy`) or ended; quiet refreshes do not say they start. */
  | { type: 'busy'; busy: boolean }
  /** A new stats answer, in `stats`. */
  | { type: 'stats' }
  /** A new realtime answer, in `realtime`. */
  | { type: 'realtime' }
  /** A request failed; `retry()` tries it again. */
  | { type: 'error'; error: unknown }
  | { type: 'error-cleared' }
  /** The key was refused (or missing): the sign-in screen is up. */
  | { type: 'signin'; error: ApiError; hadKey: boolean }
  /** `heldKey` changed: the key in use can change data, or no longer. */
  | { type: 'key' }
  /** New `settings` or `settingsError` for the current site (both unset: loading). */
  | { type: 'settings' };

export interface ControllerDeps {
  api: ApiClient;
  keys: KeyStore;
  /** The breakdown tabs on screen before any is clicked: an archive view asks for these first. */
  shownBreakdowns?: readonly (keyof Breakdowns)[];
}

export interface Controller {
  readonly view: ViewState;
  readonly screen: Screen;
  readonly sites: readonly SiteSummary[];
  /** The last stats answer for the current site (it may be for the previous window while a new one loads). */
  readonly stats: PageStats | undefined;
  /** GET /api/realtime's answer, or without it (the view has chips) what POST /api/v2/query counted. */
  readonly realtime: RealtimeData | LiveQuery | undefined;
  /**
   * Set while the key in use may do more than read (admin, backfill): it is then held for
   * this page load only, never stored, and the page says so.
   */
  readonly heldKey: KeySummary | undefined;
  /** The current site's settings document, once loaded. */
  readonly settings: SiteSettingsData | undefined;
  /** Why the settings could not be loaded; they fail on their own, without the sign-in screen. */
  readonly settingsError: unknown;
  subscribe(listener: (event: ControllerEvent) => void): () => void;
  /** Loads what the view needs: the first call starts the dashboard. */
  start(): void;
  /** Applies a change to the view and records it in the URL (so Back undoes it). */
  navigate(changes: Partial<ViewState>): void;
  /** Loads the stats again; `quiet` keeps the panels as they are until the answer is in. */
  refresh(quiet?: boolean): Promise<void>;
  /** Repeats the request that failed last. */
  retry(): void;
  /** Starts over with a new key, which is stored once GET /api/key says it only reads. */
  signIn(key: string): void;
  /** Loads the current site's settings again. */
  loadSettings(): void;
  /**
   * Replaces a site's settings with a key given for this request only (the admin key): it
   * is passed through, never kept. Failures are thrown to the caller, which shows them
   * beside the editor; none of them signs the read key out.
   */
  saveSettings(site: string, settings: SiteSettings, adminKey: string): Promise<SiteSettingsData>;
  /**
   * A breakdown tab came on screen: an archive view whose answer left it `pending` asks for
   * it now, and its later refreshes ask for it too.
   */
  showBreakdown(name: keyof Breakdowns): void;
  /** Removes the global listeners and timers; answers still in flight are dropped. */
  stop(): void;
}

/** Only a key that can do nothing but read is worth keeping in the browser. */
export function readOnly(key: KeySummary): boolean {
  return key.scopes.every((scope) => scope === 'read');
}

export function createController({ api, keys, shownBreakdowns = [] }: ControllerDeps): Controller {
  /** The breakdowns an archive view asks for: those on screen so far (each is one query). */
  const shown = new Set(shownBreakdowns);
  const listeners = new Set<(event: ControllerEvent) => void>();
  /** A key given on this page load (sign-in form or `#key=`) whose scopes are not known yet; it is held meanwhile. */
  let unchecked: string | undefined;
  let heldKey: KeySummary | undefined;
  let view: ViewState = takeFragment().state;
  let screen: Screen = 'loading';
  let sites: SiteSummary[] = [];
  let stats: PageStats | undefined;
  /** The view `stats` answered: its `meta.intervals` hold for that window and filter only. */
  let statsView: ViewState | undefined;
  let realtime: RealtimeData | LiveQuery | undefined;
  /** When the last stats and realtime requests started (ms), for the slower refresh of archive views. */
  let statsAt = 0;
  let realtimeAt = 0;
  let settings: SiteSettingsData | undefined;
  let settingsError: unknown;
  let settingsRequest = 0;
  // Responses that arrive after a newer request started are dropped: aborting them
  // instead would show up as failed requests in the network log.
  let statsRequest = 0;
  let realtimeRequest = 0;
  let again: () => void = () => void loadSites();
  /** The sign-in form is up for a refused key; set until a new key is tried. */
  let waitingForKey = false;
  const timers: number[] = [];
  const lifetime = new AbortController();
  const { signal } = lifetime;

  function emit(event: ControllerEvent): void {
    for (const listener of listeners) listener(event);
  }

  function setScreen(next: Screen): void {
    screen = next;
    emit({ type: 'screen' });
  }

  /** Reads the fragment; a key found there is taken (held until checked) and removed from the address bar. */
  function takeFragment(): { state: ViewState; newKey: boolean } {
    const parsed = parseFragment(location.hash);
    if (parsed.key) {
      takeKey(parsed.key);
      const fragment = serializeFragment(parsed.state);
      history.replaceState(history.state, '', `${location.pathname}${location.search}${fragment ? `#${fragment}` : ''}`);
    }
    return { state: parsed.state, newKey: Boolean(parsed.key) };
  }

  function takeKey(key: string): void {
    keys.hold(key);
    unchecked = key;
  }

  function setHeldKey(next: KeySummary | undefined): void {
    if (next === heldKey) return;
    heldKey = next;
    emit({ type: 'key' });
  }

  /** Stores the key when it only reads; holds it for this page load when it can change data. */
  function keepOrHold(key: string, summary: KeySummary): void {
    if (readOnly(summary)) {
      keys.set(key);
      setHeldKey(undefined);
    } else {
      keys.hold(key);
      setHeldKey(summary);
    }
  }

  /** Asks GET /api/key what a newly given key may do before anything is stored. */
  async function checkKey(): Promise<void> {
    const given = unchecked;
    if (!given) return;
    let summary: KeySummary;
    try {
      summary = (await api.key()).key;
    } catch (error) {
      if (signal.aborted || keys.get() !== given) return;
      if (error instanceof ApiError && error.status === 404) {
        // A collector older than key scopes has one key, which only reads: remember it as before.
        unchecked = undefined;
        keys.set(given);
        setHeldKey(undefined);
      } else if (error instanceof ApiError && error.status > 0 && error.status < 500) {
        // A refused key stays held, unstored: the reads that follow ask for another one,
        // or work without it when the collector takes no key.
        unchecked = undefined;
      }
      // Unreachable or failing: still unchecked, so the next load (Try again) asks again.
      return;
    }
    if (signal.aborted || keys.get() !== given) return;
    unchecked = undefined;
    keepOrHold(given, summary);
  }

  /**
   * A key stored before keys had scopes may well be an admin key: it is taken out of
   * storage once the API says so. Checked beside the first load, not before it, so a read
   * key costs no extra wait; failures are left to the reads, which report them.
   */
  async function reviewStoredKey(): Promise<void> {
    const stored = keys.get();
    if (!stored || keys.held) return;
    let summary: KeySummary;
    try {
      summary = (await api.key()).key;
    } catch {
      return;
    }
    if (signal.aborted || keys.get() !== stored || keys.held) return;
    if (!readOnly(summary)) keepOrHold(stored, summary);
  }

  /** The intervals an answer listed for this view's window and filter, when one is in. */
  function offeredFor(state: ViewState): readonly StatsData['interval'][] | undefined {
    return stats && statsView && sameWindow(statsView, state) ? stats.meta.intervals : undefined;
  }

  /** Rewrites the URL for a change the dashboard made itself (Back does not undo it). */
  function replaceView(next: ViewState): void {
    view = next;
    history.replaceState(history.state, '', `#${serializeFragment(view)}`);
    emit({ type: 'toolbar' });
  }

  function showError(error: unknown, retry: () => void): void {
    again = retry;
    emit({ type: 'error', error });
  }

  function askForKey(error: ApiError): void {
    // Stats and realtime fail together when a key is revoked: the first one explains.
    if (waitingForKey) return;
    waitingForKey = true;
    stopTimers();
    const hadKey = Boolean(keys.get());
    keys.clear();
    unchecked = undefined;
    setHeldKey(undefined);
    setScreen('signin');
    emit({ type: 'error-cleared' });
    emit({ type: 'signin', error, hadKey });
  }

  function handleFailure(error: unknown, retry: () => void): void {
    if (error instanceof ApiError && error.unauthorized) askForKey(error);
    else showError(error, retry);
  }

  function showEmpty(): void {
    stopTimers();
    setScreen('empty');
  }

  async function loadSites(): Promise<void> {
    emit({ type: 'error-cleared' });
    if (!stats) setScreen('loading');
    if (unchecked) await checkKey();
    if (signal.aborted) return;
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
    if (!view.site && busiest) replaceView(withChanges(view, { site: busiest.site_id }));
    emit({ type: 'sites' });
    if (!view.site) {
      showEmpty();
      return;
    }
    // A site missing from the list is not registered (or not readable): it has no settings to ask for.
    if (listed(view.site)) void loadSettings();
    setScreen(stats ? 'dashboard' : 'loading');
    await Promise.all([loadStats(), loadRealtime()]);
    startTimers();
  }

  async function loadStats(quiet = false): Promise<void> {
    const site = view.site;
    if (!site) return;
    const request = ++statsRequest;
    const asked = view;
    const rollups = statsFilter(asked.filters) !== undefined;
    statsAt = Date.now();
    if (!quiet) emit({ type: 'busy', busy: true });
    emit({ type: 'toolbar' });
    try {
      const data = rollups
        ? await api.stats(statsQuery({ ...asked, site }, { include: 'health' }, offeredFor(asked)))
        : await fromArchive(site, asked, quiet);
      if (request !== statsRequest || signal.aborted) return;
      stats = data;
      statsView = asked;
      emit({ type: 'error-cleared' });
      // The answer says which intervals this window allows: one it does not is dropped.
      if (view.interval && !data.meta.intervals.includes(view.interval) && sameWindow(view, asked)) {
        replaceView(withChanges(view, {}, data.meta.intervals));
      }
      const nothing = data.totals.pageviews === 0 && data.totals.events === 0 && data.totals.sessions === 0;
      if (nothing && !asked.filters && !sites.some((s) => s.site_id === data.site_id)) {
        showEmpty();
        return;
      }
      setScreen('dashboard');
      emit({ type: 'stats' });
    } catch (error) {
      if (request !== statsRequest || signal.aborted) return;
      // An interval the API refuses for this window (hours for a year): ask without it,
      // and the answer lists what it allows.
      if (rollups && error instanceof ApiError && error.status === 400 && asked.interval && sameWindow(view, asked)) {
        replaceView(withChanges(view, { interval: undefined }));
        void loadStats(quiet);
        return;
      }
      handleFailure(error, () => void loadStats());
    } finally {
      if (request === statsRequest) emit({ type: 'busy', busy: false });
    }
  }

  /** A view whose chips GET /api/stats cannot take: every panel from POST /api/v2/query, asked at once. */
  async function fromArchive(site: string, asked: ViewState, quiet: boolean): Promise<PageStats> {
    const [data, health] = await Promise.all([archiveStats((body) => api.query(body), site, asked, statsAt, shown), healthFor(site, asked, quiet)]);
    return health ? { ...data, health } : data;
  }

  async function showBreakdown(name: keyof Breakdowns): Promise<void> {
    shown.add(name);
    const current = stats;
    const asked = statsView;
    if (!current?.pending?.has(name) || !asked?.site) return;
    const request = statsRequest;
    try {
      const data = await withBreakdowns((body) => api.query(body), current, asked.site, asked, statsAt, [name]);
      // A newer load answers for itself (and asks for this tab, which is in `shown` now).
      if (request !== statsRequest || signal.aborted || stats !== current) return;
      stats = data;
      emit({ type: 'stats' });
    } catch (error) {
      if (request === statsRequest && !signal.aborted) handleFailure(error, () => void showBreakdown(name));
    }
  }

  /**
   * The ingestion health beside an archive view: no chip narrows it, so the last answer's
   * serves while the window is the same; else GET /api/stats without the chips tells it
   * (rollups, bounded). A failure there leaves the card empty rather than failing the view.
   */
  async function healthFor(site: string, asked: ViewState, quiet: boolean): Promise<StatsData['health']> {
    const unfiltered = (state: ViewState) => ({ ...state, filters: undefined, interval: undefined });
    if (!quiet && stats?.health && statsView && sameWindow(unfiltered(statsView), unfiltered(asked))) return stats.health;
    return api
      .stats(statsQuery({ ...unfiltered(asked), site }, { include: 'health' }))
      .then((data) => data.health)
      .catch(() => undefined);
  }

  async function loadRealtime(): Promise<void> {
    const site = view.site;
    if (!site) return;
    const request = ++realtimeRequest;
    const filters = view.filters;
    realtimeAt = Date.now();
    try {
      // Chips on what a live session holds narrow the live sessions (GET /api/realtime);
      // any other (an event, a property) is the archive's to count for the last minutes.
      const data = !filters
        ? await api.realtime(site)
        : onLiveSessions(filters)
          ? await api.realtime(site, REALTIME_MINUTES, filters.map(filterParam))
          : await liveQuery((body) => api.query(body), site, filters, realtimeAt);
      if (request !== realtimeRequest || signal.aborted) return;
      realtime = data;
      emit({ type: 'realtime' });
    } catch (error) {
      if (request === realtimeRequest && !signal.aborted) handleFailure(error, () => void loadRealtime());
    }
  }

  function listed(site: string | undefined): boolean {
    return sites.some((summary) => summary.site_id === site);
  }

  async function loadSettings(): Promise<void> {
    const site = view.site;
    if (!site || !listed(site)) return;
    const request = ++settingsRequest;
    try {
      const data = await api.settings(site);
      if (request !== settingsRequest || signal.aborted) return;
      settings = data;
      settingsError = undefined;
    } catch (error) {
      if (request !== settingsRequest || signal.aborted) return;
      // Not handleFailure: the stats may be fine, and the settings card says what went wrong.
      settings = undefined;
      settingsError = error;
    }
    emit({ type: 'settings' });
  }

  function apply(next: ViewState): void {
    const siteChanged = next.site !== view.site;
    const chipsChanged = serializeFragment({ period: view.period, filters: view.filters }) !== serializeFragment({ period: view.period, filters: next.filters });
    view = next;
    if (siteChanged) {
      stats = undefined;
      statsView = undefined;
      realtime = undefined;
      settings = undefined;
      settingsError = undefined;
      settingsRequest++;
      emit({ type: 'settings' });
    }
    emit({ type: 'view', siteChanged });
    if (siteChanged) void loadSites();
    else {
      void loadStats();
      if (chipsChanged) void loadRealtime();
    }
  }

  function startTimers(): void {
    stopTimers();
    if (document.hidden || !view.site) return;
    timers.push(
      window.setInterval(() => {
        if (!view.filters || Date.now() - realtimeAt >= STATS_REFRESH_MS) void loadRealtime();
      }, REALTIME_REFRESH_MS),
    );
    timers.push(
      window.setInterval(() => {
        const due = !stats?.served || Date.now() - statsAt >= ARCHIVE_REFRESH_MS;
        if (stats && due && Date.parse(stats.to) >= Date.now() - STATS_REFRESH_MS) void loadStats(true);
      }, STATS_REFRESH_MS),
    );
  }

  function stopTimers(): void {
    for (const timer of timers.splice(0)) clearInterval(timer);
  }

  const global = { signal };
  window.addEventListener(
    'hashchange',
    () => {
      const { state: next, newKey } = takeFragment();
      if (newKey) {
        // A link with another key was pasted: start over with it.
        waitingForKey = false;
        view = next;
        stats = undefined;
        statsView = undefined;
        emit({ type: 'view', siteChanged: false });
        void loadSites();
      } else if (serializeFragment(next) !== serializeFragment(view)) {
        apply(next);
      }
    },
    global,
  );

  document.addEventListener(
    'visibilitychange',
    () => {
      if (document.hidden) {
        stopTimers();
      } else if (screen === 'dashboard') {
        void loadRealtime();
        startTimers();
      }
    },
    global,
  );

  return {
    get view() {
      return view;
    },
    get screen() {
      return screen;
    },
    get sites() {
      return sites;
    },
    get stats() {
      return stats;
    },
    get realtime() {
      return realtime;
    },
    get heldKey() {
      return heldKey;
    },
    get settings() {
      return settings;
    },
    get settingsError() {
      return settingsError;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    showBreakdown(name) {
      void showBreakdown(name);
    },
    start() {
      emit({ type: 'view', siteChanged: false });
      void reviewStoredKey();
      void loadSites();
    },
    navigate(changes) {
      const next = withChanges(view, changes, offeredFor({ ...view, ...changes }));
      const fragment = serializeFragment(next);
      if (fragment === serializeFragment(view)) return;
      history.pushState(history.state, '', `#${fragment}`);
      apply(next);
    },
    refresh: (quiet) => loadStats(quiet),
    retry: () => again(),
    signIn(key) {
      takeKey(key);
      waitingForKey = false;
      void loadSites();
    },
    loadSettings: () => void loadSettings(),
    async saveSettings(site, next, adminKey) {
      const data = await api.saveSettings(site, next, adminKey);
      if (!signal.aborted && view.site === site) {
        // Newer than any GET still in flight, which is dropped.
        settingsRequest++;
        settings = data;
        settingsError = undefined;
        emit({ type: 'settings' });
      }
      return data;
    },
    stop() {
      lifetime.abort();
      stopTimers();
    },
  };
}
