import type { TrackerEvent } from '@liveinsight/sdk';

/** One request the tracker made to the collector. */
export interface SentRequest {
  at: number;
  transport: 'fetch' | 'sendBeacon';
  events: TrackerEvent[];
  /** HTTP status for fetch; for a beacon, whether the browser took it (its answer is never seen). */
  outcome: string;
}

/**
 * What the tracker queued and what it sent, for the debug page. The SDK has no debug
 * hook on purpose (it would cost every site bytes), so the app watches the two ends:
 * `beforeSend` sees each event as it is queued, and wrapping fetch and sendBeacon sees
 * each request as it leaves. Events queued but not seen in a request are still waiting.
 */
export function createDebugLog(endpoint: string) {
  const queued: TrackerEvent[] = [];
  const sent: SentRequest[] = [];
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());

  const record = (transport: SentRequest['transport'], body: unknown): SentRequest | undefined => {
    if (typeof body !== 'string') return undefined;
    try {
      const parsed = JSON.parse(body) as { events?: TrackerEvent[] };
      const request: SentRequest = { at: Date.now(), transport, events: parsed.events ?? [], outcome: '…' };
      sent.unshift(request);
      sent.length = Math.min(sent.length, 100);
      changed();
      return request;
    } catch {
      return undefined;
    }
  };

  const isCollector = (url: RequestInfo | URL) => new URL(String(url instanceof Request ? url.url : url), location.href).href === endpoint;

  const originalFetch = window.fetch;
  window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
    const request = isCollector(input) ? record('fetch', init?.body) : undefined;
    const response = originalFetch.call(this, input, init);
    if (request) {
      response.then(
        (r) => ((request.outcome = String(r.status)), changed()),
        () => ((request.outcome = 'network error'), changed()),
      );
    }
    return response;
  };
  const originalBeacon = navigator.sendBeacon?.bind(navigator);
  if (originalBeacon) {
    navigator.sendBeacon = (url: string | URL, data?: BodyInit | null) => {
      const request = isCollector(url) ? record('sendBeacon', data) : undefined;
      const taken = originalBeacon(url, data);
      if (request) request.outcome = taken ? 'handed to the browser' : 'refused by the browser';
      return taken;
    };
  }

  return {
    /** Use as (or inside) beforeSend: notes the event and lets it through unchanged. */
    note(event: TrackerEvent): TrackerEvent {
      queued.push(event);
      changed();
      return event;
    },
    /** Events queued and not yet in any request. */
    pending(): TrackerEvent[] {
      const out = new Set(sent.flatMap((request) => request.events.map((e) => e.event_id)));
      return queued.filter((event) => !out.has(event.event_id));
    },
    sent: (): readonly SentRequest[] => sent,
    clear() {
      queued.length = 0;
      sent.length = 0;
      changed();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type DebugLog = ReturnType<typeof createDebugLog>;
