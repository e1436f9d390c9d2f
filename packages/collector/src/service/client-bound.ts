/**
 * How many visitors one client address may bring per minute (NEW_VISITORS_PER_ADDRESS_PER_MINUTE):
 * a visitor is the daily hash of (site, address, User-Agent), so rotating the User-Agent
 * would otherwise make one machine any number of visitors. Kept per process: a bound on
 * what one collector takes, at no storage cost, rather than an exact deployment-wide count.
 */
import { NEW_VISITORS_PER_ADDRESS_PER_MINUTE } from '@liveinsight/contract';
import { onStoreReset } from '../store/client.js';

const WINDOW_MS = 60_000;
const ADDRESSES_LIMIT = 10_000;
const windows = new Map<string, { since: number; visitors: Set<string> }>();
onStoreReset(() => windows.clear());

/** Whether this address may bring this (site, User-Agent) now; admits it if so. */
export function withinClientBound(address: string, site: string, userAgent: string, now: number): boolean {
  let window = windows.get(address);
  if (!window || now - window.since >= WINDOW_MS) {
    if (!window && windows.size >= ADDRESSES_LIMIT) windows.delete(windows.keys().next().value!);
    windows.set(address, (window = { since: now, visitors: new Set() }));
  }
  const visitor = `${site}\n${userAgent}`;
  if (window.visitors.has(visitor)) return true;
  if (window.visitors.size >= NEW_VISITORS_PER_ADDRESS_PER_MINUTE) return false;
  window.visitors.add(visitor);
  return true;
}
