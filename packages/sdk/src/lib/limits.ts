import { LIMITS as COLLECTOR, SESSION_IDLE_MS } from '@liveinsight/contract';

/**
 * The tracker's limits. Those it shares with the collector come from the contract at
 * build time (terser inlines them: no bytes); the props rule is lib/props.ts.
 */
export const LIMITS = {
  /** A request carries at most this many events… */
  batchEvents: COLLECTOR.eventsPerRequest,
  /** …and at most this many bytes of events: the collector's body limit, less room for the envelope. */
  batchBytes: COLLECTOR.bodyBytes - 5_536,
  /** The queue is flushed at this many events… */
  flushEvents: 20,
  /** …or this long after the first event entered it. */
  flushMs: 5_000,
  /** Unsent events kept in localStorage for the next page load (oldest dropped first). */
  storedEvents: 200,
  sessionIdleMs: SESSION_IDLE_MS,
  sessionMaxMs: 24 * 60 * 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 5 * 60_000,
} as const;

/** Storage keys: the opt-out flag is documented so a site can set it for its own staff. */
export const KEYS = {
  optOut: 'liveinsight_optout',
  session: 'liveinsight_session',
  queue: 'liveinsight_queue',
} as const;
