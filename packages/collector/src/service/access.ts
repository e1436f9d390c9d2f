/**
 * Who a request is: the key it carries, checked against the keys table, and what that key
 * may do (scopes, sites). Keys are stored as a SHA-256 of their secret only; a key is
 * `li_<name, base64url>.<secret>`, so that checking one is a read by name and a
 * constant-time comparison of hashes. The bootstrap admin key (LIVEINSIGHT_API_KEY
 * locally, a Secrets Manager secret in AWS) is any string; on first use it gets an item
 * like any other key, so that revoking it works the same way.
 */
import { randomBytes } from 'node:crypto';
import {
  FAILED_ATTEMPTS_PER_MINUTE,
  KEY_CACHE_MS,
  KEY_NAME,
  KEY_PREFIX,
  SCOPES,
  SITE_ID,
  type CreateKeyRequest,
  type CreatedKeyData,
  type KeySummary,
  type Scope,
} from '@liveinsight/contract';
import { ADMIN_KEY_ENV, ADMIN_SECRET_ENV } from '../functions.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, ThrottledError, UnauthorizedError } from '../errors.js';
import { sameDigest, sameSecret, sha256 } from '../lib/hash.js';
import { secretValue } from '../lambda/secrets.js';
import { getKey, listKeys as listKeyItems, putKey, revokeKey as revokeKeyItem, setKeySites, touchKey, type KeyItem } from '../store/api-keys-store.js';
import { onStoreReset } from '../store/client.js';

export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** null: every site. */
  sites: ReadonlySet<string> | null;
}

/** Where no bootstrap key is configured (a local stack started without one), the API is open. */
const OPEN: Principal = { name: '(open: no key configured)', scopes: new Set(SCOPES), sites: null };

/** Whether keys are checked at all: a bootstrap key is configured (always in AWS). */
export function keysConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[ADMIN_KEY_ENV] || env[ADMIN_SECRET_ENV]);
}

async function bootstrapKey(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env[ADMIN_KEY_ENV]) return env[ADMIN_KEY_ENV];
  const arn = env[ADMIN_SECRET_ENV];
  return arn ? secretValue(arn) : undefined;
}


export function parseKey(key: string): { name: string; secret: string } | undefined {
  if (!key.startsWith(KEY_PREFIX)) return undefined;
  const dot = key.lastIndexOf('.');
  if (dot < 0) return undefined;
  const name = Buffer.from(key.slice(KEY_PREFIX.length, dot), 'base64url').toString('utf8');
  const secret = key.slice(dot + 1);
  return KEY_NAME.test(name) && secret.length >= 32 ? { name, secret } : undefined;
}

export function mintKey(name: string): { key: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { key: `${KEY_PREFIX}${Buffer.from(name, 'utf8').toString('base64url')}.${secret}`, hash: sha256(secret).toString('hex') };
}

const principalOf = (item: KeyItem): Principal => ({
  name: item.name,
  scopes: new Set(item.scopes),
  sites: item.sites ? new Set(item.sites) : null,
});

// ------------------------------------------------------------------ per-process caches

/** Checked keys by the hash of the whole key: a revoked key keeps working here for at most KEY_CACHE_MS. */
const checked = new Map<string, { principal: Principal | null; until: number }>();
const CHECKED_LIMIT = 1_000;
/** An unknown key is looked up again sooner: it may be one minted a moment ago. */
const UNKNOWN_KEY_MS = 10_000;
const failures = new Map<string, { count: number; since: number }>();
const FAILURES_LIMIT = 10_000;
const touched = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;

function bounded<K, V>(map: Map<K, V>, limit: number, key: K, value: V): void {
  if (map.size >= limit && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
}

onStoreReset(() => {
  checked.clear();
  failures.clear();
  touched.clear();
});

function throttleFailures(address: string, now: number): void {
  const entry = failures.get(address);
  if (entry && now - entry.since < 60_000 && entry.count >= FAILED_ATTEMPTS_PER_MINUTE) {
    throw new ThrottledError('Too many failed key attempts from this address; wait a minute');
  }
}

function recordFailure(address: string, now: number): void {
  const entry = failures.get(address);
  if (!entry || now - entry.since >= 60_000) bounded(failures, FAILURES_LIMIT, address, { count: 1, since: now });
  else entry.count++;
}

async function lookUp(given: string, now: number): Promise<Principal | null> {
  const parsed = parseKey(given);
  if (parsed) {
    const item = await getKey(parsed.name);
    if (item && item.revoked_at === undefined && sameDigest(sha256(parsed.secret), Buffer.from(item.hash, 'hex'))) return principalOf(item);
  }
  const bootstrap = await bootstrapKey();
  if (!bootstrap || !sameSecret(given, bootstrap)) return null;
  // Named by its hash: a new secret (a rotation) is a new key, and a revoked one stays revoked.
  const hash = sha256(bootstrap).toString('hex');
  const name = `bootstrap-${hash.slice(0, 8)}`;
  const item: KeyItem = { name, hash, scopes: [...SCOPES], created_at: now };
  if (await putKey(item)) return principalOf(item);
  const stored = await getKey(name);
  return stored && stored.revoked_at === undefined && stored.hash === hash ? principalOf(stored) : null;
}

/**
 * The principal of a request: null when it carries no key (and keys are configured), the
 * open principal when no key is configured and none is given. A wrong or revoked key is a
 * 401, and an address that keeps trying wrong keys gets 429s for a minute.
 */
export async function authenticate(given: string | undefined, address: string, now = Date.now()): Promise<Principal | null> {
  if (!given) return keysConfigured() ? null : OPEN;
  throttleFailures(address, now);
  const id = sha256(given).toString('hex');
  let entry = checked.get(id);
  if (!entry || entry.until <= now) {
    const principal = await lookUp(given, now);
    entry = { principal, until: now + (principal ? KEY_CACHE_MS : UNKNOWN_KEY_MS) };
    bounded(checked, CHECKED_LIMIT, id, entry);
  }
  if (!entry.principal) {
    recordFailure(address, now);
    throw new UnauthorizedError('Invalid API key');
  }
  await noteUse(entry.principal, now);
  return entry.principal;
}

/** Records a key's use, at most once a minute per key and process; a failure costs nothing but the record. */
async function noteUse(principal: Principal, now: number): Promise<void> {
  if (principal === OPEN || now - (touched.get(principal.name) ?? 0) < TOUCH_EVERY_MS) return;
  bounded(touched, CHECKED_LIMIT, principal.name, now);
  try {
    await touchKey(principal.name, now);
  } catch (error) {
    console.error(JSON.stringify({ level: 'warn', msg: 'key use not recorded', error: String(error) }));
  }
}

/** What a route needs of its key; `admin` includes `read`, nothing else includes another scope. */
export function authorize(principal: Principal | null, need: Scope | 'key', site?: string): Principal {
  if (!principal) throw new UnauthorizedError('Missing X-API-Key header');
  if (need !== 'key' && !principal.scopes.has(need) && !(need === 'read' && principal.scopes.has('admin'))) {
    throw new ForbiddenError(`This key has no ${need} scope`);
  }
  if (site !== undefined && !maySite(principal, site)) throw new ForbiddenError(`This key may not use site ${site}`);
  return principal;
}

export const maySite = (principal: Principal, site: string): boolean => principal.sites === null || principal.sites.has(site);

// ------------------------------------------------------------------ the keys API

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function summary(item: KeyItem): KeySummary {
  return {
    name: item.name,
    scopes: [...item.scopes],
    sites: item.sites ? [...item.sites] : null,
    created_at: new Date(item.created_at).toISOString(),
    last_used_at: iso(item.last_used),
    revoked_at: iso(item.revoked_at),
  };
}

export function parseCreateKey(body: unknown): Required<CreateKeyRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object');
  const { name, scopes, sites, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new BadRequestError(`${unknown} is not a key field (name, scopes, sites)`);
  if (typeof name !== 'string' || !KEY_NAME.test(name)) throw new BadRequestError('name must be 1-64 characters of [A-Za-z0-9._-]');
  if (name.startsWith('bootstrap-')) throw new BadRequestError('name must not start with bootstrap- (the bootstrap key’s names)');
  if (!Array.isArray(scopes) || !scopes.length || !scopes.every((s) => (SCOPES as readonly unknown[]).includes(s))) {
    throw new BadRequestError(`scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  }
  if (sites !== undefined && sites !== null && (!Array.isArray(sites) || !sites.length || !sites.every((s) => typeof s === 'string' && SITE_ID.test(s)))) {
    throw new BadRequestError('sites must be a non-empty list of site ids, or null for every site');
  }
  return { name, scopes: [...new Set(scopes as Scope[])], sites: sites ? [...new Set(sites as string[])] : null };
}

export async function createKey(request: Required<CreateKeyRequest>, now = Date.now()): Promise<CreatedKeyData> {
  const { key, hash } = mintKey(request.name);
  const item: KeyItem = { name: request.name, hash, scopes: request.scopes, created_at: now, ...(request.sites ? { sites: request.sites } : {}) };
  if (!(await putKey(item))) throw new ConflictError(`A key named ${request.name} exists; revoked keys keep their name`);
  return { ...summary(item), key };
}

export async function listKeys(): Promise<KeySummary[]> {
  return (await listKeyItems()).map(summary).sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.name < b.name ? -1 : 1));
}

export async function describeKey(principal: Principal): Promise<KeySummary> {
  const item = principal === OPEN ? undefined : await getKey(principal.name);
  if (!item) return { name: principal.name, scopes: [...principal.scopes], sites: principal.sites ? [...principal.sites] : null, created_at: new Date(0).toISOString(), last_used_at: null, revoked_at: null };
  return summary(item);
}

export async function revokeKey(name: string, now = Date.now()): Promise<{ name: string; revoked_at: string }> {
  const item = await revokeKeyItem(name, now);
  if (!item) throw new NotFoundError(`No key named ${name}`);
  // This process stops accepting it at once; the others within KEY_CACHE_MS.
  checked.clear();
  return { name, revoked_at: new Date(item.revoked_at!).toISOString() };
}

/**
 * A deleted site leaves the site lists of the keys that named it, so that a site created
 * later under the same id does not inherit them; a key left with no site opens none.
 * Returns how many keys changed.
 */
export async function forgetSiteInKeys(siteId: string): Promise<number> {
  const holders = (await listKeyItems()).filter((item) => item.sites?.includes(siteId));
  await Promise.all(holders.map((item) => setKeySites(item.name, item.sites!.filter((site) => site !== siteId))));
  if (holders.length) checked.clear();
  return holders.length;
}
