import { init } from '@liveinsight/sdk';
import { createDebugLog } from './debug-log.js';
import type { AppEvents } from './events.js';
import { withoutEmails } from './redact.js';

/** The stack that serves this example collects its events; on your site, use your stack's URL. */
export const ENDPOINT = `${location.origin}/api/events`;
export const SITE_ID = 'spa.example';

export const debugLog = createDebugLog(ENDPOINT);

/**
 * One tracker for the whole app. Page views need no code: the tracker sees every
 * history.pushState and popstate of the router.
 */
export const tracker = init<AppEvents>({
  endpoint: ENDPOINT,
  siteId: SITE_ID,
  // This example runs on 127.0.0.1, which the tracker skips unless told otherwise; drop this on your site.
  allowLocalhost: true,
  outboundLinks: true,
  engagement: true,
  beforeSend: (event) => debugLog.note(withoutEmails(event)),
});

/** The opt-out flag the tracker keeps in localStorage (documented in the SDK README). */
export const isOptedOut = (): boolean => {
  try {
    return Boolean(localStorage.getItem('liveinsight_optout'));
  } catch {
    return false;
  }
};
