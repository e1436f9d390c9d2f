import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import { recordPageview } from '../store/events-store.js';

export const MAX_BODY_BYTES = 64 * 1024;

export interface IngestRequest {
  body: string;
  receivedAt: number;
}

export interface IngestResult {
  accepted: number;
}

interface RawEvent {
  event_type?: unknown;
  session_id?: unknown;
  timestamp?: unknown;
  page_url?: unknown;
  referrer?: unknown;
  site_id?: unknown;
}

/** Foundation slice: page views only. The collector issue brings the full rules. */
export async function ingest(request: IngestRequest): Promise<IngestResult> {
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    throw new BadRequestError('Body is not valid JSON');
  }
  const events: RawEvent[] =
    parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
      ? (parsed as { events: RawEvent[] }).events
      : [parsed as RawEvent];
  let accepted = 0;
  for (const event of events) {
    if (!event || typeof event !== 'object') throw new BadRequestError('Each event must be an object');
    if (typeof event.event_type !== 'string' || !event.event_type) {
      throw new BadRequestError('event_type is required');
    }
    if (typeof event.session_id !== 'string' || !/^[A-Za-z0-9_-]{8,128}$/.test(event.session_id)) {
      throw new BadRequestError('session_id must be 8-128 characters of [A-Za-z0-9_-]');
    }
    if (event.event_type !== 'page_view') continue;
    await recordPageview({
      siteId: typeof event.site_id === 'string' && event.site_id ? event.site_id : 'default',
      sessionId: event.session_id,
      pageUrl: typeof event.page_url === 'string' ? event.page_url : '',
      referrer: typeof event.referrer === 'string' ? event.referrer : '',
      receivedAt: request.receivedAt,
    });
    accepted++;
  }
  return { accepted };
}
