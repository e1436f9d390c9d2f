/**
 * What an event may be, and why one is refused. The collector validates against these;
 * the tracker takes the numbers it shares with them at build time (its validator is a
 * hand-tuned pattern, held to the collector's by test/validators.test.ts in the collector).
 */
export const LIMITS = {
  bodyBytes: 64 * 1024,
  eventsPerRequest: 50,
  eventTypeLength: 64,
  urlLength: 2000,
  props: 30,
  propKeyLength: 64,
  propValueLength: 500,
  eventIdLength: 128,
  siteIdLength: 100,
  /**
   * Events one session may have: the session item holds a hash of each (the idempotency
   * gate), so this bounds its size (~13 bytes an event, far below DynamoDB's 400 KB) and
   * what writing it costs.
   */
  sessionEvents: 5_000,
} as const;

/** The session rule, as Plausible counts: 30 minutes without an event ends a visit. */
export const SESSION_IDLE_MS = 30 * 60_000;

/** Seconds a client waits before retrying a 429 or 503 (the Retry-After header). */
export const RETRY_AFTER_S = 5;

/** Why an event was refused; the code is what ingestion health counts. */
export const REASON = {
  not_an_object: 'event must be a JSON object',
  event_type: `event_type must be a string of 1-${LIMITS.eventTypeLength} characters, not only spaces`,
  session_id: 'session_id must be 8-128 characters of [A-Za-z0-9_-]',
  event_id: `event_id must be a non-empty string of at most ${LIMITS.eventIdLength} characters`,
  timestamp: 'timestamp must be a positive number of milliseconds or seconds since 1970',
  page_url: `page_url must be a string of at most ${LIMITS.urlLength} characters`,
  referrer: `referrer must be a string of at most ${LIMITS.urlLength} characters`,
  site_id: `site_id must be 1-${LIMITS.siteIdLength} characters of [A-Za-z0-9._:-]`,
  props: `props must be a flat object of at most ${LIMITS.props} keys`,
  prop_key: `prop keys must be 1-${LIMITS.propKeyLength} characters and not __proto__, constructor or prototype`,
  prop_value: `prop values must be strings of at most ${LIMITS.propValueLength} characters, finite numbers or booleans`,
  prop_number: 'prop numbers must be integers within ±(2^53−1) or other numbers of magnitude at least 1e-130 (send longer ids as strings)',
  screen: 'screen must be a string like "1280x720"',
  language: 'language must be a short language tag',
  too_old: 'timestamp is more than 400 days old',
  session_full: `the session already has ${LIMITS.sessionEvents.toLocaleString('en-US')} events; a new session_id starts a new one`,
  unknown_site: 'site_id is not a registered site (an admin adds it: npm run sites -- add)',
  foreign_host: "page_url's hostname is not one of the site's hostnames (its settings list them)",
  site_not_allowed: 'the key may not backfill this site',
  client_bound: 'this address brought too many new visitors this minute',
} as const;

export type ReasonCode = keyof typeof REASON;

export const SESSION_ID = /^[A-Za-z0-9_-]{8,128}$/;
export const SITE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The site of an event that names none. */
export const DEFAULT_SITE = 'default';

/**
 * A finite number the store keeps exactly as JSON.parse gave it. An integer past
 * ±(2^53−1) was already rounded by JSON.parse (a 20-digit order id is a different id by
 * now), and the document client refuses to write it; DynamoDB refuses non-zero
 * magnitudes below 1e-130. Larger non-integers do not exist in doubles (every double
 * from 2^52 on is an integer), so these two bounds are the whole rule.
 */
export function storableNumber(value: number): boolean {
  return Number.isInteger(value) ? Number.isSafeInteger(value) : Math.abs(value) >= 1e-130;
}
