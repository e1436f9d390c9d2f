/**
 * Seeds a local stack the way real traffic arrives: sessions POSTed to /api/events as the
 * tracker sends them. Past sessions carry X-API-Key, which makes the POST a trusted
 * backfill whose timestamps the collector keeps; sessions "now" need no key.
 */

export const USER_AGENTS = {
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
} as const;

export interface SeedEvent {
  type: string;
  /** Path on the site, e.g. `/pricing?utm_source=news`. */
  path: string;
  /** Offset from the session's start. */
  afterMs?: number;
  props?: Record<string, string | number | boolean>;
}

export interface SeedSession {
  id: string;
  startMs: number;
  userAgent: string;
  /** Sent as CloudFront-Viewer-Country, as CloudFront forwards it. */
  country?: string;
  /** A distinct client address per visitor, as the first X-Forwarded-For hop. */
  ip?: string;
  referrer?: string;
  events: SeedEvent[];
}

export interface SeedOptions {
  baseUrl: string;
  site: string;
  /** Present: the POST is a backfill that keeps past timestamps. */
  apiKey?: string;
}

/** Posts one session as one batch and fails loudly when the collector refuses any event. */
export async function postSession({ baseUrl, site, apiKey }: SeedOptions, session: SeedSession): Promise<void> {
  const origin = `https://${site}`;
  const events = session.events.map((event, index) => ({
    event_type: event.type,
    event_id: `${session.id}-${index}`,
    session_id: session.id,
    timestamp: session.startMs + (event.afterMs ?? index * 45_000),
    page_url: `${origin}${event.path}`,
    referrer: index === 0 ? (session.referrer ?? '') : `${origin}${session.events[index - 1]!.path}`,
    site_id: site,
    props: event.props ?? {},
    screen: session.userAgent.includes('iPhone') ? '390x844' : '1440x900',
    language: 'en-US',
  }));
  const headers: Record<string, string> = { 'Content-Type': 'text/plain;charset=UTF-8', 'User-Agent': session.userAgent };
  if (apiKey) headers['X-API-Key'] = apiKey;
  if (session.country) headers['CloudFront-Viewer-Country'] = session.country;
  if (session.ip) headers['X-Forwarded-For'] = session.ip;
  const response = await fetch(`${baseUrl}/api/events`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ events, sent_at: Date.now() }),
  });
  const body = (await response.json()) as { status: string; data?: { rejected?: unknown[] }; message?: string };
  if (!response.ok || body.status !== 'success' || (body.data?.rejected?.length ?? 0) > 0) {
    throw new Error(`seeding ${session.id} failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
}

export async function postSessions(options: SeedOptions, sessions: SeedSession[], concurrency = 4): Promise<void> {
  const queue = [...sessions];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let session = queue.shift(); session; session = queue.shift()) await postSession(options, session);
    }),
  );
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The page URL that tries to inject markup into whatever renders it. */
export const XSS_PATH = '/<img src=x onerror=window.__xss=1>';

/**
 * A small, fixed week for the browser tests: a few pages, sources, devices, countries and
 * custom events, sessions in the previous period for the comparison, and one hostile URL.
 * `now` anchors it; the "live" sessions are left to `liveSessions`.
 */
export function testWeek(now: number): SeedSession[] {
  const agents = [USER_AGENTS.chromeWindows, USER_AGENTS.safariIphone, USER_AGENTS.firefoxWindows, USER_AGENTS.safariMac];
  const countries = ['DE', 'US', 'FR', 'US', 'GB'];
  const referrers = ['https://news.ycombinator.com/item?id=1', 'https://www.google.com/', '', 'https://github.com/acme/app', ''];
  const journeys: SeedEvent[][] = [
    [{ type: 'page_view', path: '/' }, { type: 'page_view', path: '/pricing' }, { type: 'signup', path: '/pricing', props: { plan: 'pro' } }],
    [{ type: 'page_view', path: '/docs/getting-started' }],
    [{ type: 'page_view', path: '/' }, { type: 'page_view', path: '/blog/launch' }],
    [{ type: 'page_view', path: '/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring' }],
    [{ type: 'page_view', path: '/' }, { type: 'page_view', path: '/docs/getting-started' }, { type: 'download', path: '/docs/getting-started', props: { url: 'https://cdn.test/app.zip' } }],
    [{ type: 'page_view', path: '/' }],
  ];
  const sessions: SeedSession[] = [];
  for (let i = 0; i < 18; i++) {
    sessions.push({
      id: `week-session-${String(i).padStart(3, '0')}`,
      startMs: now - (6 * HOUR + i * 7 * HOUR),
      userAgent: agents[i % agents.length]!,
      country: countries[i % countries.length]!,
      ip: `203.0.113.${10 + (i % 9)}`,
      referrer: referrers[i % referrers.length]!,
      events: journeys[i % journeys.length]!,
    });
  }
  // The week before, for "change against the previous period".
  for (let i = 0; i < 6; i++) {
    sessions.push({
      id: `previous-session-${i}`,
      startMs: now - 8 * DAY - i * 11 * HOUR,
      userAgent: agents[i % agents.length]!,
      country: 'US',
      ip: `198.51.100.${20 + i}`,
      events: [{ type: 'page_view', path: i % 2 ? '/pricing' : '/' }],
    });
  }
  sessions.push({
    id: 'hostile-session-1',
    startMs: now - 30 * HOUR,
    userAgent: USER_AGENTS.chromeLinux,
    country: 'NL',
    ip: '192.0.2.66',
    events: [{ type: 'page_view', path: XSS_PATH }],
  });
  return sessions;
}

/** Sessions active right now, for the realtime panel and the live counter. */
export function liveSessions(now: number, count = 3): SeedSession[] {
  const paths = ['/', '/pricing', '/docs/getting-started'];
  return Array.from({ length: count }, (_, i) => ({
    id: `live-session-${i}`,
    startMs: now - 40_000 - i * 5_000,
    userAgent: i % 2 ? USER_AGENTS.safariIphone : USER_AGENTS.chromeWindows,
    country: 'DE',
    ip: `192.0.2.${100 + i}`,
    referrer: i === 0 ? 'https://www.google.com/' : '',
    events: [{ type: 'page_view', path: paths[i % paths.length]!, afterMs: 0 }],
  }));
}
