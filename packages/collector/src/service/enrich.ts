/**
 * What the collector adds to an event from the request and the event's own fields:
 * the time it is filed under, the page path, the session's source, the browser.
 */
import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { DAY_MS, MINUTE_MS } from '../lib/time.js';
import { UNKNOWN } from '@liveinsight/contract';
import { clean } from '../lib/clean.js';

export const PAST_WINDOW_MS = DAY_MS;
export const FUTURE_WINDOW_MS = 5 * MINUTE_MS;
export const BACKFILL_WINDOW_MS = 400 * DAY_MS;

export type FiledTime = { ok: true; time: number } | { ok: false };

/**
 * The time an event is counted under. Untrusted clocks are corrected by the skew the
 * batch reveals (received_at − (sent_at − timestamp)); what still lands more than a day
 * back or more than 5 minutes ahead is filed at receive time, and nothing goes into the
 * future. A backfill (valid X-API-Key) keeps its own timestamps, up to 400 days back.
 */
export function fileTime(timestamp: number | undefined, sentAt: number | undefined, receivedAt: number, trusted: boolean): FiledTime {
  if (timestamp === undefined) return { ok: true, time: receivedAt };
  if (trusted) {
    if (timestamp < receivedAt - BACKFILL_WINDOW_MS) return { ok: false };
    return { ok: true, time: Math.min(timestamp, receivedAt) };
  }
  const corrected = sentAt === undefined ? timestamp : receivedAt - (sentAt - timestamp);
  if (corrected < receivedAt - PAST_WINDOW_MS || corrected > receivedAt + FUTURE_WINDOW_MS) return { ok: true, time: receivedAt };
  return { ok: true, time: Math.min(corrected, receivedAt) };
}

/** No referrer: stored empty, answered as the contract's DIRECT. */
const NO_REFERRER = '';

export interface PageInfo {
  /** Path (plus the hash of hash-routed apps), e.g. `/pricing` or `/#/about`. */
  path: string;
  host: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
}

const PATH_LIMIT = 300;
const UTM_LIMIT = 100;

/** page_url is the full URL (query already cleaned by the tracker to utm_* only). */
export function pageInfo(pageUrl: string): PageInfo {
  let url: URL | undefined;
  try {
    url = new URL(pageUrl);
  } catch {
    // A bare path ("/pricing?utm_source=x") from a hand-written client.
    if (pageUrl.startsWith('/')) {
      try {
        url = new URL(pageUrl, 'http://relative.invalid');
      } catch {
        url = undefined;
      }
    }
  }
  if (!url) return { path: UNKNOWN, host: '', utmSource: '', utmMedium: '', utmCampaign: '' };
  // A hash that survived the tracker's cleaning is a route (hash routing), so it is part of the page.
  const route = url.hash.startsWith('#/') ? url.hash : '';
  const utm = (name: string) => clean(url.searchParams.get(name) ?? '').trim().slice(0, UTM_LIMIT);
  return {
    path: clean(decodePath(url.pathname) + route).slice(0, PATH_LIMIT) || '/',
    host: url.hostname === 'relative.invalid' ? '' : bareHost(url.hostname),
    utmSource: utm('utm_source'),
    utmMedium: utm('utm_medium'),
    utmCampaign: utm('utm_campaign'),
  };
}

function decodePath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

const bareHost = (host: string) => host.toLowerCase().replace(/^www\./, '');

/**
 * The referrer reduced to its host; a referral from the site itself (another page of
 * it, or the same host) is no referral, and neither is anything unparseable.
 */
export function referrerHost(referrer: string, pageHost: string, siteId: string): string {
  if (!referrer) return NO_REFERRER;
  let host: string;
  try {
    host = bareHost(new URL(referrer).hostname);
  } catch {
    return NO_REFERRER;
  }
  if (!host || host === pageHost || host === bareHost(siteId)) return NO_REFERRER;
  return host.slice(0, 253);
}

export interface ClientInfo {
  browser: string;
  os: string;
  device: string;
  bot: boolean;
}

const clientCache = new Map<string, ClientInfo>();

/** Browser, OS and device class from the User-Agent (ua-parser-js 1.x), and whether it is a bot (isbot). */
export function clientInfo(userAgent: string): ClientInfo {
  const cached = clientCache.get(userAgent);
  if (cached) return cached;
  const result = new UAParser(userAgent).getResult();
  const info: ClientInfo = {
    browser: result.browser.name || UNKNOWN,
    os: result.os.name || UNKNOWN,
    // ua-parser-js names only the non-desktop classes; a missing one is a desktop browser.
    device: result.device.type || (userAgent ? 'desktop' : UNKNOWN),
    // An empty User-Agent proves nothing either way (the original docs' curl example sends one anyway).
    bot: userAgent ? isbot(userAgent) : false,
  };
  if (clientCache.size > 1000) clientCache.clear();
  clientCache.set(userAgent, info);
  return info;
}

/** CloudFront-Viewer-Country, when CloudFront forwarded one. */
export function countryCode(header: string | undefined): string {
  return header && /^[A-Za-z]{2}$/.test(header) ? header.toUpperCase() : UNKNOWN;
}

/** Behind CloudFront, API Gateway's source address is CloudFront's; the client is X-Forwarded-For's first hop. */
export function clientAddress(forwardedFor: string | undefined, sourceIp: string | undefined): string {
  const first = forwardedFor?.split(',')[0]?.trim();
  return first || sourceIp || '';
}
