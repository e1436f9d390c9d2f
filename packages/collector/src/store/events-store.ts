import { batchWrite } from './batch-write.js';
import { tableName } from './tables.js';

/**
 * A raw event as stored: kept for a day for realtime debugging; history lives in stats.
 *
 *   session_key `{session}@{site}` (the sessions table's key: two sites that share a
 *               session id never share rows)
 *   event_key   `{client ms, 13 digits}#{event id}`: in time order within the session,
 *               and unique because the event id is the event (a retry is the same id
 *               and overwrites its own row; two events in one millisecond do not).
 */
export interface RawEventItem {
  session_key: string;
  event_key: string;
  event_id: string;
  event_type: string;
  site_id: string;
  page_url: string;
  referrer: string;
  user_agent: string;
  /** When the collector files the event (skew-corrected), ms. */
  time: number;
  received_at: number;
  props?: Record<string, string | number | boolean>;
  screen?: string;
  language?: string;
  /** Epoch seconds after which the item is gone (DynamoDB TTL; reads filter on it too). */
  ttl: number;
}

/** The sort key of an event: its client time (ms since 1970, ≥ 0) then its id. */
export function eventKey(clientMs: number, eventId: string): string {
  return `${String(clientMs).padStart(13, '0')}#${eventId}`;
}

/**
 * Plain puts through BatchWriteItem: the key is derived from the event itself, so a
 * retried event overwrites its own row and never adds one. Counting is gated elsewhere
 * (the session's seen-set), which is why these need no condition.
 */
export async function putRawEvents(items: readonly RawEventItem[]): Promise<void> {
  // BatchWriteItem refuses a batch naming one key twice (an event repeated in one request).
  const unique = new Map(items.map((item) => [`${item.session_key}\n${item.event_key}`, item]));
  if (!unique.size) return;
  await batchWrite(
    tableName('events'),
    [...unique.values()].map((Item) => ({ PutRequest: { Item } })),
  );
}
