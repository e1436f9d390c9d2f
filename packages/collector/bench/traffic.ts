/**
 * Deterministic, plausible traffic for the bench: browsers, countries, sources, pages
 * with a long tail, sessions of page views each followed by an `engagement` event, and
 * custom events with properties. A seeded generator: the same run, the same events.
 */

export interface Visitor {
  ip: string;
  userAgent: string;
  country: string;
}

export interface WireEvent {
  event_type: string;
  session_id: string;
  event_id: string;
  timestamp: number;
  page_url: string;
  referrer: string;
  site_id: string;
  props?: Record<string, string | number | boolean>;
}

export interface Session {
  visitor: Visitor;
  events: WireEvent[];
  pageviews: number;
}

/** mulberry32: small, fast, good enough for synthetic traffic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(random: () => number, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of entries) if ((r -= w) < 0) return value;
  return entries[entries.length - 1]![0];
}

const USER_AGENTS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 32],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 12],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 8],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 5],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 18],
  ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 14],
  ['Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 3],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 2],
] as const;

const COUNTRIES = [
  ['US', 30], ['DE', 9], ['GB', 8], ['IN', 7], ['FR', 5], ['CA', 4], ['NL', 3], ['BR', 3], ['ES', 3], ['JP', 3],
  ['SE', 2], ['PL', 2], ['AU', 2], ['IT', 2], ['CH', 1], ['AT', 1], ['MX', 1], ['KR', 1], ['', 2],
] as const;

const SOURCES = [
  ['', 40], ['https://www.google.com/', 28], ['https://duckduckgo.com/', 5], ['https://news.ycombinator.com/', 6],
  ['https://t.co/abc', 4], ['https://www.reddit.com/r/webdev/', 4], ['https://github.com/', 4], ['https://www.bing.com/', 3],
  ['https://www.linkedin.com/', 2], ['https://dev.to/', 2], ['utm:newsletter', 2],
] as const;

/** 40 pages, a few popular, a long tail. */
const PAGES: (readonly [string, number])[] = [
  ['/', 30], ['/pricing', 14], ['/docs', 10], ['/blog', 8], ['/features', 7], ['/signup', 5], ['/about', 3],
  ...Array.from({ length: 33 }, (_, i) => [`/blog/post-${i + 1}`, 12 / (i + 2)] as const),
];

const CUSTOM = [
  ['cta_click', 0.12, (r: () => number) => ({ position: weighted(r, [['hero', 3], ['footer', 1], ['pricing', 2]]) })],
  ['signup', 0.03, (r: () => number) => ({ plan: weighted(r, [['free', 5], ['pro', 2], ['team', 1]]) })],
  ['outbound', 0.06, () => ({ url: 'https://github.com/liveinsight' })],
  ['download', 0.03, () => ({ url: 'https://bench.example/whitepaper.pdf' })],
] as const;

export interface TrafficOptions {
  seed: number;
  site: string;
  sessions: number;
  /** Session starts fall in [from, to). */
  from: number;
  to: number;
  /** Page views per session: 1 with probability `bounce`, else uniform in [2, maxPages]. */
  bounce?: number;
  maxPages?: number;
  /** Lower bound of the uniform draw (default 2). */
  minPages?: number;
  /** Distinct browsers (address + User-Agent) the sessions come from. */
  visitors: number;
}

export function* sessions(options: TrafficOptions): Generator<Session> {
  const r = rng(options.seed);
  const pool: Visitor[] = Array.from({ length: options.visitors }, (_, i) => ({
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    userAgent: weighted(r, USER_AGENTS),
    country: weighted(r, COUNTRIES),
  }));
  for (let s = 0; s < options.sessions; s++) {
    const visitor = pool[Math.floor(r() * pool.length)]!;
    const sessionId = `bench-${options.seed}-${s}-${Math.floor(r() * 1e9).toString(36)}`;
    const source = weighted(r, SOURCES);
    const utm = source === 'utm:newsletter' ? '?utm_source=newsletter&utm_medium=email&utm_campaign=launch' : '';
    const referrer = source.startsWith('utm:') ? '' : source;
    const low = options.minPages ?? 2;
    const pages = r() < (options.bounce ?? 0.45) ? 1 : low + Math.floor(r() * ((options.maxPages ?? 8) - low + 1));
    let t = options.from + Math.floor(r() * (options.to - options.from));
    const events: WireEvent[] = [];
    let n = 0;
    const event = (type: string, at: number, path: string, props?: WireEvent['props']): WireEvent => ({
      event_type: type,
      session_id: sessionId,
      event_id: `${sessionId}-${n++}`,
      timestamp: Math.round(at),
      page_url: `https://${options.site}${path}${n === 1 ? utm : ''}`,
      referrer: n === 1 ? referrer : `https://${options.site}/`,
      site_id: options.site,
      ...(props ? { props } : {}),
    });
    for (let p = 0; p < pages; p++) {
      const path = p === 0 && utm ? '/' : weighted(r, PAGES);
      events.push(event('page_view', t, path));
      const dwell = 4_000 + Math.floor(r() * 90_000);
      for (const [name, chance, props] of CUSTOM) {
        if (r() < chance) events.push(event(name, t + dwell * 0.5, path, props(r)));
      }
      events.push(event('engagement', t + dwell, path, { engaged_ms: Math.round(dwell * 0.8), scroll: Math.floor(r() * 100) }));
      t += dwell + 1_000;
    }
    yield { visitor, events, pageviews: pages };
  }
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
