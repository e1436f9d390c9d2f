import { randomBytes } from 'node:crypto';
import { shortHash } from '../lib/hash.js';
import { DAY_MS, dayLabel } from '../lib/time.js';
import { onStoreReset } from '../store/client.js';
import { getOrCreateSalt } from '../store/stats-store.js';

/**
 * Visitors are counted without cookies: a hash of (salt, site, address, User-Agent)
 * with a random salt per UTC day. The salt lives in the stats table until a day after its
 * day ends (events may arrive up to a day late), then TTL deletes it and that day's
 * hashes can no longer be linked to anyone. The address itself is never stored.
 */
const salts = new Map<string, Promise<string>>();
onStoreReset(() => salts.clear());

/** Epoch seconds at which a day's salt and visitor markers expire. */
export function visitorDayTtl(day: string, now: number): number {
  const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  // A backfill of a past day creates that day's salt now; keep it through the import.
  return Math.floor(Math.max(dayEnd + DAY_MS, now + DAY_MS) / 1000);
}

async function saltOf(day: string, now: number): Promise<string> {
  let salt = salts.get(day);
  if (!salt) {
    salt = getOrCreateSalt(day, randomBytes(24).toString('base64url'), visitorDayTtl(day, now), now);
    salts.set(day, salt);
    salt.catch(() => salts.delete(day));
    if (salts.size > 64) salts.delete(salts.keys().next().value!);
  }
  return salt;
}

/** Reads (or creates) the salts of the days of these times, so that the hashes after the commit find them cached. */
export async function warmSalts(times: readonly number[], now: number): Promise<void> {
  await Promise.all([...new Set(times.map(dayLabel))].map((day) => saltOf(day, now)));
}

export async function visitorHash(day: string, siteId: string, address: string, userAgent: string, now: number): Promise<string> {
  const salt = await saltOf(day, now);
  return shortHash(`${salt}\n${siteId}\n${address}\n${userAgent}`, 16);
}

/**
 * The client behind a visitor, for the weight of a value waiting for a cap slot
 * (service/admission.ts): the same day's salt over (site, address), with no User-Agent,
 * so that rotating it does not make one machine weigh more. Short: it only has to tell
 * clients of one value and day apart.
 */
export async function clientHash(day: string, siteId: string, address: string, now: number): Promise<string> {
  const salt = await saltOf(day, now);
  return shortHash(`${salt}\n${siteId}\n${address}`, 8);
}
