/**
 * Registered sites: which site ids take events, from which hostnames, and their settings.
 * Ingest looks each site up once a minute per process (a site created or deleted elsewhere
 * is seen within that); an unknown id is remembered for less, and never stored, so junk
 * ids cost nothing later. Where auto-registration is on (the local stack's default), an
 * unknown site is registered by its first event instead.
 */
import type { SiteSettings } from '@liveinsight/contract';
import { AUTO_SITES_ENV } from '../functions.js';
import { onStoreReset } from '../store/client.js';
import { getSite, putSite, type SiteItem } from '../store/sites-store.js';
import { storedSettings } from './settings.js';

export interface RegisteredSite {
  siteId: string;
  createdAt: number;
  settings: SiteSettings;
}

const KNOWN_MS = 60_000;
const UNKNOWN_MS = 10_000;
const LIMIT = 10_000;
const cache = new Map<string, { site: Promise<RegisteredSite | undefined>; until: number }>();
onStoreReset(() => cache.clear());

export const autoSites = (env: NodeJS.ProcessEnv = process.env): boolean => /^(1|true|on|yes)$/i.test(env[AUTO_SITES_ENV] ?? '');

export const registered = (item: SiteItem): RegisteredSite => ({ siteId: item.site_id, createdAt: item.created_at, settings: storedSettings(item.settings) });

async function load(siteId: string, now: number, auto: boolean): Promise<RegisteredSite | undefined> {
  const item = await getSite(siteId);
  if (item) return registered(item);
  if (!auto) return undefined;
  const created: SiteItem = { site_id: siteId, created_at: now, settings: '{}' };
  if (await putSite(created)) return registered(created);
  const raced = await getSite(siteId);
  return raced && registered(raced);
}

/** The sites among `ids` that exist (or were just registered, with auto-registration on). */
export async function resolveSites(ids: Iterable<string>, now: number, auto = autoSites()): Promise<Map<string, RegisteredSite | undefined>> {
  const entries = [...new Set(ids)].map(async (id) => {
    let entry = cache.get(id);
    if (!entry || entry.until <= now) {
      const site = load(id, now, auto);
      entry = { site, until: now + KNOWN_MS };
      if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(id, entry);
      const current = entry;
      site.then(
        (found) => {
          if (!found) current.until = now + UNKNOWN_MS;
        },
        () => cache.delete(id),
      );
    }
    return [id, await entry.site] as const;
  });
  return new Map(await Promise.all(entries));
}

/** This process forgets what it knew of a site (after its settings change or it is deleted). */
export function forgetSite(siteId: string): void {
  cache.delete(siteId);
}
