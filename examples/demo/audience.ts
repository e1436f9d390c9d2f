import type { Random } from './random.js';

/**
 * Who visits: browsers (as real User-Agent strings, which the collector parses), devices,
 * countries and where visitors come from. The weights are rough shares of
 * public browser statistics, enough to make every dashboard breakdown look plausible.
 */

export type Device = 'desktop' | 'mobile' | 'tablet';

interface Browser {
  device: Device;
  weight: number;
  /** The UA string for a major version drawn from `versions`. */
  userAgent: (version: number) => string;
  versions: readonly number[];
}

const BROWSERS: readonly Browser[] = [
  {
    device: 'desktop',
    weight: 30,
    versions: [129, 130, 131],
    userAgent: (v) =>
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  {
    device: 'desktop',
    weight: 12,
    versions: [130, 131],
    userAgent: (v) =>
      `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  {
    device: 'desktop',
    weight: 8,
    versions: [17, 18],
    userAgent: (v) =>
      `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.1 Safari/605.1.15`,
  },
  {
    device: 'desktop',
    weight: 6,
    versions: [130, 131],
    userAgent: (v) =>
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
  },
  {
    device: 'desktop',
    weight: 5,
    versions: [132, 133],
    userAgent: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  },
  {
    device: 'desktop',
    weight: 2,
    versions: [133],
    userAgent: (v) => `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  },
  {
    device: 'desktop',
    weight: 2,
    versions: [131],
    userAgent: (v) =>
      `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  {
    device: 'mobile',
    weight: 18,
    versions: [17, 18],
    userAgent: (v) =>
      `Mozilla/5.0 (iPhone; CPU iPhone OS ${v}_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.1 Mobile/15E148 Safari/604.1`,
  },
  {
    device: 'mobile',
    weight: 14,
    versions: [130, 131],
    userAgent: (v) =>
      `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
  },
  {
    device: 'mobile',
    weight: 3,
    versions: [26],
    userAgent: (v) =>
      `Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${v}.0 Chrome/122.0.0.0 Mobile Safari/537.36`,
  },
  {
    device: 'mobile',
    weight: 3,
    versions: [131],
    userAgent: (v) =>
      `Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${v}.0.6778.73 Mobile/15E148 Safari/604.1`,
  },
  {
    device: 'tablet',
    weight: 3,
    versions: [17, 18],
    userAgent: (v) =>
      `Mozilla/5.0 (iPad; CPU OS ${v}_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.1 Mobile/15E148 Safari/604.1`,
  },
];

export interface Country {
  /** ISO 3166-1 alpha-2, as CloudFront-Viewer-Country sends it. */
  code: string;
  weight: number;
  /** Hours from UTC, to place visits at local daytime. */
  utcOffset: number;
  language: string;
}

export const COUNTRIES: readonly Country[] = [
  { code: 'US', weight: 30, utcOffset: -5, language: 'en-US' },
  { code: 'DE', weight: 9, utcOffset: 1, language: 'de-DE' },
  { code: 'GB', weight: 8, utcOffset: 0, language: 'en-GB' },
  { code: 'IN', weight: 7, utcOffset: 5.5, language: 'en-IN' },
  { code: 'FR', weight: 6, utcOffset: 1, language: 'fr-FR' },
  { code: 'CA', weight: 4, utcOffset: -5, language: 'en-CA' },
  { code: 'BR', weight: 4, utcOffset: -3, language: 'pt-BR' },
  { code: 'NL', weight: 3, utcOffset: 1, language: 'nl-NL' },
  { code: 'JP', weight: 3, utcOffset: 9, language: 'ja-JP' },
  { code: 'AU', weight: 3, utcOffset: 10, language: 'en-AU' },
  { code: 'ES', weight: 3, utcOffset: 1, language: 'es-ES' },
  { code: 'SE', weight: 2, utcOffset: 1, language: 'sv-SE' },
  { code: 'PL', weight: 2, utcOffset: 1, language: 'pl-PL' },
  { code: 'IT', weight: 2, utcOffset: 1, language: 'it-IT' },
  { code: 'MX', weight: 2, utcOffset: -6, language: 'es-MX' },
  { code: 'KR', weight: 1, utcOffset: 9, language: 'ko-KR' },
];

/**
 * Share of traffic by local hour of day (0..23): quiet at night, a morning and an
 * evening peak. Visits are placed in the visitor's local time, then shifted to UTC.
 */
const LOCAL_HOUR_WEIGHTS = [3, 2, 1, 1, 1, 2, 4, 7, 10, 12, 13, 12, 11, 12, 12, 11, 10, 10, 11, 12, 13, 12, 9, 5];

export interface Visitor {
  /** Sent as X-Forwarded-For: the collector hashes it into the visitor id and never stores it. */
  ip: string;
  userAgent: string;
  device: Device;
  /** Undefined for the few requests that reach the collector without a country header. */
  country: Country | undefined;
  language: string;
}

/**
 * A made-up visitor. Addresses come from ranges no real visitor has: IPv4 from the
 * carrier-grade NAT block 100.64.0.0/10 and IPv6 from the documentation prefix 2001:db8::/32.
 */
export function makeVisitor(rng: Random, mobileShare: number, countryBias: Readonly<Record<string, number>> = {}): Visitor {
  const device: Device = rng.chance(mobileShare) ? (rng.chance(0.12) ? 'tablet' : 'mobile') : 'desktop';
  const browser = rng.weighted(BROWSERS.filter((b) => b.device === device).map((b) => [b, b.weight] as const));
  const country = rng.chance(0.02)
    ? undefined
    : rng.weighted(COUNTRIES.map((c) => [c, c.weight * (countryBias[c.code] ?? 1)] as const));
  const ip = rng.chance(0.7)
    ? `100.${rng.int(64, 127)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
    : `2001:db8:${rng.hex(4)}:${rng.hex(4)}::${rng.hex(3)}`;
  return {
    ip,
    userAgent: browser.userAgent(rng.pick(browser.versions)),
    device,
    country,
    language: country?.language ?? 'en-US',
  };
}

/** A UTC hour-of-day (fractional) for a visit by someone in `country`. */
export function visitHourUtc(rng: Random, country: Country | undefined): number {
  const localHour = rng.weighted(LOCAL_HOUR_WEIGHTS.map((weight, hour) => [hour, weight] as const)) + rng.next();
  return (((localHour - (country?.utcOffset ?? 0)) % 24) + 24) % 24;
}

export type SourceKind = 'direct' | 'search' | 'social' | 'link' | 'campaign';

/** Where a session comes from: the document.referrer of its first page, and UTM tags on it. */
export interface Source {
  kind: SourceKind;
  referrer: (rng: Random) => string;
  utm?: { source: string; medium: string; campaign: string };
}

export const SOURCES = {
  direct: { kind: 'direct', referrer: () => '' },
  google: { kind: 'search', referrer: () => 'https://www.google.com/' },
  bing: { kind: 'search', referrer: () => 'https://www.bing.com/' },
  duckduckgo: { kind: 'search', referrer: () => 'https://duckduckgo.com/' },
  ecosia: { kind: 'search', referrer: () => 'https://www.ecosia.org/' },
  hackerNews: { kind: 'social', referrer: (rng) => `https://news.ycombinator.com/item?id=${rng.int(42000000, 42999999)}` },
  reddit: { kind: 'social', referrer: (rng) => `https://www.reddit.com/r/${rng.pick(['webdev', 'programming', 'aws', 'coffee'])}/` },
  twitter: { kind: 'social', referrer: (rng) => `https://t.co/${rng.hex(10)}` },
  linkedin: { kind: 'social', referrer: () => 'https://www.linkedin.com/' },
  facebook: { kind: 'social', referrer: () => 'https://l.facebook.com/' },
  github: { kind: 'link', referrer: (rng) => `https://github.com/${rng.pick(['liveinsight/liveinsight', 'awesome-selfhosted/awesome-selfhosted'])}` },
  devTo: { kind: 'link', referrer: () => 'https://dev.to/' },
  feedly: { kind: 'link', referrer: () => 'https://feedly.com/' },
  newsletter: {
    kind: 'campaign',
    referrer: () => '',
    utm: { source: 'newsletter', medium: 'email', campaign: 'monthly-digest' },
  },
  adsBrand: {
    kind: 'campaign',
    referrer: () => 'https://www.google.com/',
    utm: { source: 'google', medium: 'cpc', campaign: 'brand' },
  },
  launchWeek: {
    kind: 'campaign',
    referrer: (rng) => `https://t.co/${rng.hex(10)}`,
    utm: { source: 'twitter', medium: 'social', campaign: 'launch-week' },
  },
  springSale: {
    kind: 'campaign',
    referrer: () => 'https://l.instagram.com/',
    utm: { source: 'instagram', medium: 'social', campaign: 'spring-sale' },
  },
} as const satisfies Record<string, Source>;

export type SourceName = keyof typeof SOURCES;
