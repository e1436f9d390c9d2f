import { batchWrite } from './batch-write.js';
import { tableName } from './tables.js';

/** A raw event as stored: kept for a day for realtime debugging; history lives in stats. */
export interface RawEventItem {
  session_id: string;
  /** Client milliseconds × 1000 + a sequence from the event id: unique per event, stable across retries. */
  timestamp: number;
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

/**
 * Plain puts through BatchWriteItem: the key is derived from the event itself, so a
 * retried event overwrites its own row and never adds one. Counting is gated elsewhere
 * (the session's seen-set), which is why these need no condition.
 */
export async function putRawEvents(items: readonly RawEventItem[]): Promise<void> {
  // BatchWriteItem refuses a batch naming one key twice (an event repeated in one request).
  const unique = new Map(items.map((item) => [`${item.session_id}\n${item.timestamp}`, item]));
  if (!unique.size) return;
  await batchWrite(
    tableName('events'),
    [...unique.values()].map((Item) => ({ PutRequest: { Item } })),
  );
}
