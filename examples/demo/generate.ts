import { makeVisitor, SOURCES, visitHourUtc, type Visitor } from './audience.js';
import { random, stableId, type Random } from './random.js';
import type { TrackerEvent } from '@liveinsight/sdk';
import { SITES, type Page, type Props, type Site } from './sites.js';

/** One event exactly as the tracker puts it on the wire: the SDK's own type. */
export type DemoEvent = TrackerEvent;

export interface DemoSession {
  siteId: string;
  sessionId: string;
  visitor: Visitor;
  start: number;
  /**
   * The session's events in order, in requests of at most 50. One request per session
   * rather than per page: the collector collapses a request's counters into one write
   * per key, so the demo ingests about twice as fast, and the counts are the same.
   */
  batches: DemoEvent[][];
}

export interface DemoOptions {
  seed: string;
  /** Length of the window that ends at `now`. */
  days: number;
  /** Sessions on an average weekday, all sites together. */
  sessionsPerDay: number;
  now: number;
  sites?: readonly Site[];
}

export interface DemoTraffic {
  from: number;
  to: number;
  sessions: DemoSession[];
}

/** The collector takes at most 50 events per request. */
export const MAX_BATCH_EVENTS = 50;
export const DAY_MS = 86_400_000;
const MAX_PAGES_PER_SESSION = 12;

/**
 * The demo's traffic for the `days` before `now`. Each UTC day's sessions depend only
 * on (seed, site, day, sessionsPerDay), never on `now`: a run tomorrow regenerates the
 * same sessions with the same event ids for the days both runs cover (the collector
 * drops them as duplicates) and adds only what is new. Events later than `now` are
 * left for a later run, so the newest sessions are still going on when the demo ends.
 */
export function generateTraffic(options: DemoOptions): DemoTraffic {
  const sites = options.sites ?? SITES;
  const to = options.now;
  const from = to - options.days * DAY_MS;
  const sessions: DemoSession[] = [];
  for (const site of sites) {
    const regulars = regularVisitors(options.seed, site, options.sessionsPerDay);
    for (let day = Math.floor(from / DAY_MS); day <= Math.floor(to / DAY_MS); day++) {
      for (const session of sessionsOfDay(options.seed, site, day, options.sessionsPerDay, regulars)) {
        if (session.start < from || session.start > to) continue;
        const batches = chunk(session.batches.flat().filter((event) => event.timestamp <= to), MAX_BATCH_EVENTS);
        sessions.push({ ...session, batches });
      }
    }
  }
  sessions.sort((a, b) => a.start - b.start || (a.sessionId < b.sessionId ? -1 : 1));
  return { from, to, sessions };
}

/** People who come back: the same address and browser on several days. */
function regularVisitors(seed: string, site: Site, sessionsPerDay: number): Visitor[] {
  const count = Math.max(10, Math.round(sessionsPerDay * site.share * 0.5));
  return Array.from({ length: count }, (_, i) =>
    makeVisitor(random(seed, site.id, 'regular', i), site.mobileShare, site.countryBias),
  );
}

function sessionsOfDay(seed: string, site: Site, day: number, sessionsPerDay: number, regulars: Visitor[]): DemoSession[] {
  const rng = random(seed, site.id, day, 'day');
  const weekday = new Date(day * DAY_MS).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const usual = Math.round(sessionsPerDay * site.share * (weekend ? site.weekendFactor : 1) * (0.85 + 0.3 * rng.next()));
  // One spike a week, on a weekday that depends on the seed.
  const spikeDay = site.spike && (day + seedOffset(seed)) % 7 === 2;
  const extra = spikeDay ? Math.round(usual * (site.spike!.factor - 1)) : 0;
  const spikeHour = rng.int(13, 17);
  const sessions: DemoSession[] = [];
  for (let index = 0; index < usual + extra; index++) {
    const burst = index >= usual ? { source: site.spike!.source, hour: spikeHour } : undefined;
    sessions.push(makeSession(seed, site, day, index, regulars, burst));
  }
  return sessions;
}

function seedOffset(seed: string): number {
  return random(seed, 'spike').int(0, 6);
}

function makeSession(
  seed: string,
  site: Site,
  day: number,
  index: number,
  regulars: Visitor[],
  burst: { source: keyof typeof SOURCES; hour: number } | undefined,
): DemoSession {
  const rng = random(seed, site.id, day, index);
  const visitor = rng.chance(site.returningShare)
    ? rng.pick(regulars)
    : makeVisitor(rng, site.mobileShare, site.countryBias);
  const sourceName = burst?.source ?? rng.weighted(site.sources);
  const source: (typeof SOURCES)[keyof typeof SOURCES] = SOURCES[sourceName];
  // A burst decays over the afternoon after the post goes up.
  const hour = burst ? burst.hour + Math.min(9, -Math.log(1 - rng.next()) * 2.5) : visitHourUtc(rng, visitor.country);
  const start = day * DAY_MS + Math.floor(hour * 3_600_000);
  const sessionId = stableId(seed, site.id, day, index);

  let sequence = 0;
  const event = (type: string, timestamp: number, pageUrl: string, referrer: string, props?: Props): DemoEvent => ({
    event_type: type,
    event_id: stableId(sessionId, sequence++),
    session_id: sessionId,
    timestamp: Math.round(timestamp),
    page_url: pageUrl,
    referrer,
    site_id: site.id,
    ...(props ? { props } : {}),
  });
  const origin = `https://${site.id}`;
  const pages = new Map(site.pages.map((page) => [page.path, page]));

  let path =
    source.kind === 'campaign' ? (site.landing[sourceName] ?? '/') : rng.weighted(site.entries[source.kind]);
  let url = origin + path + ('utm' in source ? utmQuery(source.utm) : '');
  let referrer = source.referrer(rng);
  let time = start;
  let pageviews = 0;
  const events: DemoEvent[] = [];

  for (;;) {
    const page = pages.get(path);
    if (!page) throw new Error(`${site.id}: no page ${path}`);
    const dwell = Math.min(900, Math.max(3, rng.logNormal(site.dwellSeconds, 0.9))) * 1000;
    const visit = [event('page_view', time, url, referrer)];
    pageviews++;
    for (const custom of page.events ?? []) {
      if (rng.chance(custom.chance)) visit.push(event(custom.name, time + dwell * (0.2 + 0.7 * rng.next()), url, referrer, custom.props?.(rng)));
    }
    if (page.downloads && rng.chance(0.08)) {
      visit.push(event('download', time + dwell * 0.5, url, referrer, { url: origin + rng.pick(page.downloads) }));
    }
    const leavesSite = page.outbound !== undefined && rng.chance(0.1);
    if (leavesSite) visit.push(event('outbound', time + dwell * 0.95, url, referrer, { url: rng.pick(page.outbound!) }));
    visit.push(event('engagement', time + dwell, url, referrer, engagement(rng, dwell, site)));
    visit.sort((a, b) => a.timestamp - b.timestamp);
    events.push(...visit);

    const goesOn = pageviews === 1 ? rng.chance(1 - site.bounceRate) : rng.chance(site.continueRate);
    if (leavesSite || !goesOn || pageviews >= MAX_PAGES_PER_SESSION) break;

    time += dwell + rng.int(300, 2500);
    referrer = url;
    if (rng.chance(0.015)) {
      // A stale internal link: the extras turn that page view into a `404` event; the visitor goes home.
      const broken = origin + site.brokenPath;
      const glance = rng.int(2000, 6000);
      events.push(
        event('404', time, broken, referrer),
        event('engagement', time + glance, broken, referrer, { engaged_ms: glance, scroll: 0 }),
      );
      time += glance + rng.int(300, 1500);
      referrer = broken;
      path = '/';
    } else {
      path = nextPath(rng, site, page);
    }
    url = origin + path;
  }
  return { siteId: site.id, sessionId, visitor, start, batches: chunk(events, MAX_BATCH_EVENTS) };
}

function utmQuery(utm: { source: string; medium: string; campaign: string }): string {
  return `?utm_source=${utm.source}&utm_medium=${utm.medium}&utm_campaign=${utm.campaign}`;
}

/** The extras' `engagement` event: time actually spent on the page and how far it was scrolled. */
function engagement(rng: Random, dwell: number, site: Site): Props {
  const depth = Math.min(1, dwell / (site.dwellSeconds * 2000)) * (0.6 + 0.4 * rng.next());
  return { engaged_ms: Math.round(dwell * (0.5 + 0.5 * rng.next())), scroll: Math.min(100, Math.round(15 + 85 * depth)) };
}

function nextPath(rng: Random, site: Site, page: Page): string {
  if (page.links) return rng.weighted(Object.entries(page.links));
  return rng.weighted(site.pages.filter((p) => p.path !== page.path).map((p) => [p.path, p.weight] as const));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** What the collector should count for one site, derived from the generated events alone. */
export interface SiteSummary {
  siteId: string;
  sessions: number;
  pageviews: number;
  /** Custom events: everything but page views and the `engagement` system event. */
  events: number;
  bounces: number;
  /** Distinct (address, browser) pairs per UTC day, as the daily-rotating visitor hash counts them. */
  visitors: number;
  /** Sum over sessions of last event time minus first event time. */
  durationMs: number;
  requests: number;
  wireEvents: number;
  pages: Map<string, number>;
  countries: Map<string, number>;
  customEvents: Map<string, number>;
}

export function summarize(traffic: DemoTraffic): Map<string, SiteSummary> {
  const summaries = new Map<string, SiteSummary>();
  const visitorDays = new Map<string, Set<string>>();
  for (const session of traffic.sessions) {
    let summary = summaries.get(session.siteId);
    if (!summary) {
      summary = {
        siteId: session.siteId,
        sessions: 0,
        pageviews: 0,
        events: 0,
        bounces: 0,
        visitors: 0,
        durationMs: 0,
        requests: 0,
        wireEvents: 0,
        pages: new Map(),
        countries: new Map(),
        customEvents: new Map(),
      };
      summaries.set(session.siteId, summary);
      visitorDays.set(session.siteId, new Set());
    }
    const events = session.batches.flat();
    const pageviews = events.filter((e) => e.event_type === 'page_view');
    const custom = events.filter((e) => e.event_type !== 'page_view' && e.event_type !== 'engagement');
    summary.sessions++;
    summary.pageviews += pageviews.length;
    summary.events += custom.length;
    if (pageviews.length === 1 && custom.length === 0) summary.bounces++;
    const times = events.map((e) => e.timestamp);
    summary.durationMs += Math.max(...times) - Math.min(...times);
    summary.requests += session.batches.length;
    summary.wireEvents += events.length;
    const country = session.visitor.country?.code ?? '';
    for (const view of pageviews) {
      const path = new URL(view.page_url).pathname;
      summary.pages.set(path, (summary.pages.get(path) ?? 0) + 1);
      if (country) summary.countries.set(country, (summary.countries.get(country) ?? 0) + 1);
      visitorDays.get(session.siteId)!.add(`${session.visitor.ip}|${session.visitor.userAgent}|${Math.floor(view.timestamp / DAY_MS)}`);
    }
    for (const e of custom) summary.customEvents.set(e.event_type, (summary.customEvents.get(e.event_type) ?? 0) + 1);
  }
  for (const [siteId, days] of visitorDays) summaries.get(siteId)!.visitors = days.size;
  return summaries;
}
