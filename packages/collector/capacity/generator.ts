/**
 * Seeded, Zipf-shaped traffic for the capacity model: pages, sources, User-Agents and
 * property values each follow a Zipf law (a few very common, a long tail), a share of the
 * requests come from new sessions, and a share from bots. Each request is the body the
 * tracker would POST, with the headers the collector reads; the ground truth of what a
 * correct collector must count is kept beside it.
 */
import { rng } from '../bench/traffic.js';

export interface GeneratedRequest {
  body: string;
  userAgent: string;
  address: string;
  country: string;
  /** The virtual second at which it is sent (the model's clock, not the wall clock). */
  at: number;
}

export interface GroundTruth {
  /** Per site: what the rollups must hold once everything is counted. */
  sites: Map<string, { pageviews: number; events: number; sessions: number; visitors: number }>;
  bots: number;
}

export interface TrafficShape {
  seed: number;
  sites: number;
  /** Requests in the sample. */
  requests: number;
  /** Sessions sending at the same time: the sample's share of the target's concurrency. */
  concurrentSessions: number;
  /** Seconds between two requests of one session (the target's concurrency over its request rate). */
  requestIntervalS: number;
  /** Mean events per request (the tracker batches up to 10 here). */
  eventsPerRequest: number;
  /** Share of requests that open a new session (the session it replaces ends). */
  newSessionShare: number;
  botShare: number;
  /** Zipf exponent of traffic over sites: 0 spreads it evenly. */
  siteSkew: number;
}

/** A Zipf(s = 1) sampler over ranks 0..n-1. */
export function zipf(random: () => number, n: number, s = 1): () => number {
  const weights = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const r = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.{v} Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.{v} Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0',
];
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'python-requests/2.32.3',
];
const COUNTRIES = ['US', 'DE', 'GB', 'IN', 'FR', 'BR', 'CA', 'JP', 'NL', 'ES', 'IT', 'PL', 'AU', 'SE', 'MX', 'TR', 'KR', 'CH', 'AT', 'BE'];
const REFERRERS = ['', 'https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/', 'https://www.bing.com/', 'https://duckduckgo.com/', 'https://www.reddit.com/', 'https://github.com/'];

interface LiveSession {
  site: string;
  id: string;
  userAgent: string;
  address: string;
  country: string;
  next: number;
  pageviews: number;
  events: number;
}

/** The sample's requests, in the order of their virtual send time, and what they must count to. */
export function generateTraffic(shape: TrafficShape): { requests: GeneratedRequest[]; truth: GroundTruth } {
  const random = rng(shape.seed);
  const page = zipf(random, 2_000);
  const source = zipf(random, REFERRERS.length + 40);
  const browser = zipf(random, BROWSERS.length * 6);
  const country = zipf(random, COUNTRIES.length);
  const propValue = zipf(random, 500);
  const siteOf = zipf(random, shape.sites, shape.siteSkew);
  const truth: GroundTruth = { sites: new Map(), bots: 0 };
  const visitors = new Map<string, Set<string>>();
  const site = (i: number) => (shape.sites === 1 ? 'peak.example' : `site-${String(i).padStart(4, '0')}.example`);
  const tally = (name: string) => {
    let entry = truth.sites.get(name);
    if (!entry) truth.sites.set(name, (entry = { pageviews: 0, events: 0, sessions: 0, visitors: 0 }));
    return entry;
  };
  let serial = 0;
  const open = (at: number): LiveSession => {
    const n = serial++;
    const b = browser();
    const ua = BROWSERS[b % BROWSERS.length]!.replaceAll('{v}', String(120 + Math.floor(b / BROWSERS.length)));
    return {
      site: site(siteOf()),
      id: `cap-${shape.seed}-s${n.toString(36).padStart(6, '0')}`,
      userAgent: ua,
      // One visitor per session: the model's visitor markers are per session.
      address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      country: COUNTRIES[country()]!,
      next: at + random() * shape.requestIntervalS,
      pageviews: 0,
      events: 0,
    };
  };
  const live: LiveSession[] = Array.from({ length: shape.concurrentSessions }, () => open(0));
  const requests: GeneratedRequest[] = [];
  let eventSerial = 0;
  const now = Date.now();
  while (requests.length < shape.requests) {
    // The session due first sends next: a heap would be faster; the sample is small.
    let index = 0;
    for (let i = 1; i < live.length; i++) if (live[i]!.next < live[index]!.next) index = i;
    let session = live[index]!;
    const at = session.next;
    if (session.pageviews && random() < shape.newSessionShare) live[index] = session = { ...open(at), next: at };
    session.next = at + shape.requestIntervalS * (0.5 + random());

    if (random() < shape.botShare) {
      truth.bots++;
      requests.push({
        body: JSON.stringify({ events: [{ event_type: 'page_view', session_id: `bot-session-${eventSerial}`, event_id: `b${eventSerial++}`, timestamp: now, page_url: `https://${session.site}/`, referrer: '', site_id: session.site }] }),
        userAgent: BOTS[Math.floor(random() * BOTS.length)]!,
        address: `192.0.2.${Math.floor(random() * 250)}`,
        country: 'US',
        at,
      });
      continue;
    }
    const count = Math.max(1, Math.round(shape.eventsPerRequest * (0.5 + random())));
    const events = [];
    const ref = source();
    for (let i = 0; i < count; i++) {
      const path = `/p/${page()}`;
      const kind = random();
      const base = { session_id: session.id, event_id: `e${shape.seed}-${eventSerial++}`, timestamp: now - (count - i) * 1_000, page_url: `https://${session.site}${path}`, referrer: i === 0 && !session.pageviews ? REFERRERS[ref % REFERRERS.length]! : '', site_id: session.site };
      if (kind < 0.55 || !session.pageviews) {
        events.push({ ...base, event_type: 'page_view' });
        session.pageviews++;
        tally(session.site).pageviews++;
        if (session.pageviews === 1) {
          tally(session.site).sessions++;
          let seen = visitors.get(session.site);
          if (!seen) visitors.set(session.site, (seen = new Set()));
          seen.add(`${session.address}\n${session.userAgent}`);
        }
      } else if (kind < 0.85) {
        events.push({ ...base, event_type: 'engagement', props: { engaged_ms: Math.floor(random() * 60_000), scroll: Math.floor(random() * 100) } });
      } else {
        events.push({ ...base, event_type: ['signup', 'download', 'play', 'share'][Math.floor(random() * 4)]!, props: { plan: `v${propValue()}`, n: Math.floor(random() * 10) } });
        session.events++;
        tally(session.site).events++;
      }
    }
    requests.push({ body: JSON.stringify({ events, sent_at: now }), userAgent: session.userAgent, address: session.address, country: session.country, at });
  }
  for (const [name, seen] of visitors) tally(name).visitors = seen.size;
  return { requests, truth };
}
