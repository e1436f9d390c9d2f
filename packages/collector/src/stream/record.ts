/**
 * The records on the events stream: the one place their schema lives.
 *
 * A record is one request's events of one session, as NDJSON: one self-contained event
 * per line, so that the consumer (service/aggregate.ts) counts them and the archive can
 * keep each line as a row without joining anything. The partition key is the session's
 * key, so a session's records stay in one shard, in order. A line carries no address and
 * no User-Agent: the visitor hash (of the day's salt, the site, the address and the
 * User-Agent) is taken at ingest, and the browser, OS, device and country are what the
 * User-Agent and the viewer's country tell.
 *
 * `v` is the schema version: a reader accepts the versions it knows and skips the
 * others (logged), so fields can be added under a new version without a flag day.
 */
import type { PropValue } from '../service/validate.js';

export const RECORD_VERSION = 1;

export interface StreamEvent {
  v: typeof RECORD_VERSION;
  /** Site, the tracker's session id, and the event id (the client's, or one given at ingest). */
  site: string;
  session: string;
  id: string;
  type: string;
  /** Filed time (skew-corrected), and when the collector received the request, ms. */
  time: number;
  received: number;
  /** The page and referrer as sent (the tracker already cleaned the query). */
  url: string;
  ref: string;
  props?: Record<string, PropValue>;
  screen?: string;
  language?: string;
  br: string;
  os: string;
  dev: string;
  cc: string;
  /** The visitor hash of the event's UTC day. */
  vh: string;
  /** The client hash of that day (visitors.ts clientHash): what a value's weight counts. */
  ch?: string;
  /** Sent with the API key (a backfill): its sessions are remembered for the backfill window. */
  trusted?: true;
}

export interface StreamRecord {
  partitionKey: string;
  data: string;
}

export function encodeRecord(partitionKey: string, events: readonly StreamEvent[]): StreamRecord {
  return { partitionKey, data: events.map((event) => JSON.stringify(event)).join('\n') };
}

/** The events of a record; lines of another version or not JSON are skipped and reported. */
export function decodeRecord(data: string): { events: StreamEvent[]; skipped: number } {
  const events: StreamEvent[] = [];
  let skipped = 0;
  for (const line of data.split('\n')) {
    if (!line) continue;
    try {
      const event = JSON.parse(line) as StreamEvent;
      if (event?.v === RECORD_VERSION && typeof event.site === 'string' && typeof event.session === 'string') events.push(event);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { events, skipped };
}
