/**
 * Who may do what: key scopes, key and site names, and the site settings document's keys.
 * The collector enforces these; the admin scripts and the dashboard build their requests
 * from them.
 */

/**
 * `read` reads stats, realtime and settings of its sites; `backfill` may POST history
 * (timestamps up to 400 days back) for its sites; `admin` manages sites, settings and
 * keys, for every site.
 */
export const SCOPES = ['read', 'backfill', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A key's name: what `DELETE /api/keys/{name}` and the key list use. */
export const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Keys minted by the API look like `li_<name, base64url>.<secret>`; the secret is 32 random bytes. */
export const KEY_PREFIX = 'li_';

/** A key revoked, or its sites or scopes changed, is refused by every process within this. */
export const KEY_CACHE_MS = 60_000;

/** Failed key attempts one client address may make per minute before it gets 429s. */
export const FAILED_ATTEMPTS_PER_MINUTE = 20;

/** A site's allowed hostnames: `example.com`, or `*.example.com` for its subdomains too. */
export const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const MAX_HOSTNAMES = 100;

/**
 * The keys a site's settings document may hold, for this issue and the ones after it:
 * hostnames (which pages may send events), timezone (IANA), goals and funnels
 * (conversions), reports and alerts (sharing and reports). Keys that nothing reads yet are
 * checked for their shape and stored.
 */
export const SETTINGS_KEYS = ['hostnames', 'timezone', 'goals', 'funnels', 'reports', 'alerts'] as const;
export type SettingsKey = (typeof SETTINGS_KEYS)[number];

/** The settings document's size limit, as stored (JSON). */
export const MAX_SETTINGS_BYTES = 64 * 1024;

/**
 * New visitors (distinct site and User-Agent) one client address may bring per minute,
 * per collector process; the events of any more are stored nowhere and counted as
 * `client_bound`. A household or office behind one address has a handful of browsers; a
 * script that rotates its User-Agent to make visitors has thousands. Backfills, whose key
 * vouches for them, are not bound.
 */
export const NEW_VISITORS_PER_ADDRESS_PER_MINUTE = 30;
