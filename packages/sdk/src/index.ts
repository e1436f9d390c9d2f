export interface InitOptions {
  endpoint: string;
  siteId: string;
  allowLocalhost?: boolean;
}

export interface Tracker {
  pageview(): void;
}

function sessionId(): string {
  return crypto.randomUUID();
}

/** Foundation slice: one page view per call, sent with sendBeacon as text/plain (no preflight). */
export function init(options: InitOptions): Tracker {
  const session = sessionId();
  const pageview = () => {
    const body = JSON.stringify({
      events: [
        {
          event_type: 'page_view',
          session_id: session,
          site_id: options.siteId,
          page_url: location.pathname,
          referrer: document.referrer,
          timestamp: Date.now(),
        },
      ],
      sent_at: Date.now(),
    });
    navigator.sendBeacon(options.endpoint, body);
  };
  return { pageview };
}
