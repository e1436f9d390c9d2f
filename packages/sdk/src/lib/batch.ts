import { LIMITS } from './limits.js';

/** Bytes of `value` as JSON in UTF-8, as the collector counts a body. */
export const byteLength = (value: unknown): number => new Blob([JSON.stringify(value)]).size;

/**
 * Removes and returns the oldest events that fit one request (≤ 50 events, ≤ 60 KB).
 * An event too large on its own still goes alone: the collector's 413 then drops it
 * instead of it blocking the queue.
 */
export const takeBatch = <T>(queue: T[], count = 1): T[] =>
  // (Past the end of the queue the slice stops growing: at most 50 cheap checks.)
  count < LIMITS.batchEvents && byteLength(queue.slice(0, count + 1)) <= LIMITS.batchBytes
    ? takeBatch(queue, count + 1)
    : queue.splice(0, count);
