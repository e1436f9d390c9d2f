import { scrollDepth } from './extras/engagement.js';
import { linkEvent } from './extras/links.js';
import { byteLength, takeBatch } from './lib/batch.js';
import { patchHistory } from './lib/history.js';
import { randomId } from './lib/id.js';
import { KEYS, LIMITS } from './lib/limits.js';
import { validEvent } from './lib/props.js';
import { storage } from './lib/storage.js';
import { cleanUrl } from './lib/url.js';
import type { AnyEvents, EventCatalogue, InitOptions, Props, Tracker, TrackerEvent, TrackerMethods } from './types.js';

type Session = [id?: string, startedAt?: number, lastActivity?: number];

/** Wraps a callback so that nothing it throws reaches the host page. */
const safe =
  <A extends unknown[]>(fn: (...args: A) => unknown) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {}
  };


/**
 * Starts tracking this page: page views (on load, on history navigation, on
 * back/forward-cache restore), custom events, batching, retries and replay.
 * The tracker is also callable, `tracker('track', name, props)`, like the
 * pre-load stub that `window.liveinsight` replaces.
 */
export function init<E extends EventCatalogue<E> = AnyEvents>(options: InitOptions): Tracker<E> {
  return create<E>(options.endpoint, options.siteId, options.allowLocalhost, options.hashRouting, options.respectDnt !== false, options);
}

/**
 * `init()` with the core's options as arguments, the way the script tag's loader calls
 * it: the CDN build then has no options object to build and read (bytes paid on every
 * page view). `options` carries the rest: the extras', and the npm-only `autoPageviews`
 * and `beforeSend`.
 */
export function create<E extends EventCatalogue<E> = AnyEvents>(
  endpoint: string | URL,
  siteId: string,
  allowLocalhost: boolean | undefined,
  hashRouting: boolean | undefined,
  respectDnt: boolean,
  options: Omit<InitOptions, 'endpoint' | 'siteId'>,
): Tracker<E> {
  const controller = __CDN__ ? 0 : new AbortController();
  const undo = [() => (controller as AbortController).abort()];

  let queue: TrackerEvent[] = [];
  // The batch being sent, or waiting for its retry: one request at a time keeps order.
  let inFlight: TrackerEvent[] | 0 = 0;
  // Failed sends of inFlight in a row; non-zero means the collector is failing.
  let attempt = 0;
  // The flush timer or, while a batch waits for its retry, the retry timer: nothing
  // else is sent meanwhile, so one timer is enough.
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let session: Session = storage('sessionStorage', KEYS.session) || [];
  let lastUrl: string | undefined;
  // Remembered here too, for browsers where the localStorage flag cannot be written.
  let optedOut: boolean | undefined;
  let visibleSince = 0;
  let depth = 0;
  let stopped =
    // The empty alternative is file: (and other host-less) pages.
    (!allowLocalhost && /^(localhost|127\.0\.0\.1|)$/.test(location.hostname)) ||
    (respectDnt && ((navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl || (navigator.doNotTrack as unknown) == 1));

  // Every listener is on window, in the capture phase: that phase passes window on the
  // way to any target, so events at document (visibilitychange, prerenderingchange) and
  // elements arrive too, bubbling or not, and a click the page stops from propagating
  // still counts. The signal (for destroy) only matters to the npm package.
  const listen = <T extends Event>(type: string, fn: (event: T) => unknown) =>
    addEventListener(
      type,
      safe(fn) as EventListener,
      __CDN__ || { capture: true, signal: (controller as AbortController).signal },
    );

  const local = (key: string, value?: unknown) => storage('localStorage', key, value);
  // concat, not spread: whatever a corrupt entry holds, it cannot throw here.
  const stored = (): TrackerEvent[] => ([] as TrackerEvent[]).concat(local(KEYS.queue) || []);

  // A string body is sent as text/plain: a "simple" request, so no CORS preflight.
  const post = (body: string) => fetch(endpoint, { method: 'POST', body, keepalive: true });
  const body = (events: TrackerEvent[]) => JSON.stringify({ events, sent_at: Date.now() });

  // The collector's Retry-After (seconds) when it gave one (a network error reads as
  // none), else exponential backoff with full jitter, so that pages which failed
  // together do not retry together.
  // (Unless the page handed the batch to localStorage meanwhile.)
  const retry = (retryAfter?: unknown) =>
    inFlight &&
    (timer = setTimeout(
      send,
      +retryAfter! * 1e3 || Math.random() * Math.min(LIMITS.retryMaxMs, LIMITS.retryBaseMs * 2 ** attempt++),
    ));

  // fetch reports every failure through its promise, so this never throws.
  // keepalive lets a regular flush finish even if the page goes away meanwhile.
  const send = () =>
    post(body(inFlight as TrackerEvent[])).then(
      // 429 and 5xx are the collector's "later" (it sends no 430–499); any other
      // answer is final for this batch.
      (response) =>
        response.status > 428
          ? retry(response.headers.get('retry-after'))
          : flush((inFlight = attempt = 0)), // (0: not leaving)
      retry,
    );

  // The one way out of the queue. A regular flush sends one batch, one request at a
  // time. Leaving, everything goes at once, ahead of any batch in flight: by beacon,
  // which outlives the page, or where one is missing or refused by fetch keepalive,
  // which may still get out (Date: any function serves to swallow the rejection).
  const flush = safe((leaving?: unknown) => {
    for (let text; queue[0] && (leaving || !inFlight); ) {
      clearTimeout(timer);
      timer = 0;
      // (text first: a missing sendBeacon skips the evaluation of its arguments.)
      leaving
        ? ((text = body(takeBatch(queue))), navigator.sendBeacon?.(endpoint, text) || post(text).catch(Date))
        : ((inFlight = takeBatch(queue)), send());
    }
  });

  const enqueue = (type: string, url: string, props?: Props) => {
    if (stopped || optedOut || local(KEYS.optOut)) return;
    const now = Date.now();
    // NaN (no or corrupt session) compares false: a new session.
    if (!(now - session[2]! < LIMITS.sessionIdleMs && now - session[1]! < LIMITS.sessionMaxMs)) {
      session = [randomId(), now];
    }
    session[2] = now;
    storage('sessionStorage', KEYS.session, session);
    // Pushed as a literal in place, which costs the script tag the fewest bytes; the npm
    // build's beforeSend then takes it back out and puts back what it returns, if anything.
    let length = queue.push({
      event_type: type,
      session_id: session[0]!,
      event_id: randomId(),
      timestamp: now,
      page_url: url,
      referrer: document.referrer,
      site_id: siteId,
      props,
    });
    if (!__CDN__ && options.beforeSend) {
      const edited = options.beforeSend(queue.pop()!);
      if (!edited) return;
      length = queue.push(edited);
    }
    length >= LIMITS.flushEvents || byteLength(queue) > LIMITS.batchBytes
      ? flush()
      : (timer ||= setTimeout(flush, LIMITS.flushMs));
  };

  const measureScroll = () => {
    const current = scrollDepth();
    current > depth && (depth = current);
  };

  /** Sends the engaged time since the page became visible; called when leaving a page or route. */
  const reportEngagement = (visibleAgain: boolean) => {
    if (options.engagement && visibleSince && lastUrl) {
      measureScroll();
      enqueue('engagement', lastUrl, { engaged_ms: Date.now() - visibleSince, scroll: depth });
    }
    visibleSince = visibleAgain && !document.hidden ? Date.now() : 0;
  };

  /** The page is going away or out of sight: everything unsent leaves now. */
  const leave = (): undefined => {
    if (__EXTRAS__) reportEngagement(false);
    if (attempt) {
      // The collector is failing: a beacon would be lost too. Keep them for the next page
      // load; should this page stay (a tab switch), it starts over without them. If
      // storage is blocked, they stay here and the page retries them while it lives.
      if (local(KEYS.queue, [...stored(), ...(inFlight as TrackerEvent[]), ...queue].slice(-LIMITS.storedEvents))) {
        clearTimeout(timer);
        timer = inFlight = attempt = 0;
        queue = [];
      }
    } else flush(1);
  };

  const pageview = safe(() => {
    const url = cleanUrl(location, hashRouting);
    if (url != lastUrl) {
      if (__EXTRAS__) {
        reportEngagement(true);
        depth = 0;
      }
      // (The type is worked out before lastUrl changes: arguments are evaluated in order.)
      enqueue(__EXTRAS__ && options.notFound && !lastUrl ? '404' : 'page_view', (lastUrl = url));
    }
  });

  const track = safe((name: string, props?: Props) =>
    validEvent([name, props ?? {}])
      ? enqueue(name, cleanUrl(location, hashRouting), props)
      : console.warn('liveinsight: invalid event', name, props),
  );

  const start = () => {
    stopped = false;
    // The queue is empty until now: nothing is recorded before the start.
    const replayed = (queue = stored())[0];
    local(KEYS.queue, 0);
    if (__EXTRAS__) visibleSince = document.hidden ? 0 : Date.now();
    // lastUrl is forgotten (leave() returns nothing), so that a restore from the
    // back/forward cache (pageshow) counts again.
    listen('pagehide', () => (lastUrl = leave()));
    listen('visibilitychange', () =>
      __EXTRAS__ ? (document.hidden ? leave() : (visibleSince = Date.now())) : document.hidden && leave(),
    );
    const onClick = (event: MouseEvent) => {
      const target = event.target as Element;
      const element = target.closest<HTMLElement>('[data-li-event]');
      if (element) {
        const props: Props = {};
        for (const { name, value } of element.attributes) /^data-li-prop-/.test(name) && (props[name.slice(13)] = value);
        track(element.dataset.liEvent!, props);
      }
      if (__EXTRAS__) {
        const link = target.closest('a[href]');
        const extra = link && linkEvent(link as HTMLAnchorElement, options.fileDownloads, options.outboundLinks);
        extra && enqueue(extra[0], cleanUrl(location, hashRouting), { url: extra[1] });
      }
    };
    listen('click', onClick);
    if (__EXTRAS__) {
      // Middle clicks open links in a new tab without a click event.
      listen('auxclick', (event: MouseEvent) => event.button == 1 && onClick(event));
      if (options.engagement) listen('scroll', measureScroll);
    }
    if (__CDN__ || options.autoPageviews !== false) {
      if (!__CDN__) {
        const { pushState, replaceState } = history;
        undo.push(() => Object.assign(history, { pushState, replaceState }));
      }
      patchHistory('pushState', pageview);
      patchHistory('replaceState', pageview);
      // Also fires for hash navigations, which are page views under hash routing.
      listen('popstate', pageview);
      listen('pageshow', pageview);
      pageview();
    }
    replayed && flush();
  };

  // A prerendered page has not been seen yet: nothing is recorded until (if) the user opens it.
  if (!stopped) {
    (document as Document & { prerendering?: boolean }).prerendering
      ? ((stopped = true), listen('prerenderingchange', start))
      : start();
  }

  const tracker: Tracker<E> = Object.assign(
    (command: keyof TrackerMethods, ...args: unknown[]) =>
      (tracker[command] as ((...a: unknown[]) => void) | undefined)?.(...args),
    {
      track,
      pageview,
      flush,
      // (Nothing here can throw: the storage helper catches.)
      optOut: () => {
        optedOut = true;
        queue = [];
        local(KEYS.optOut, 1);
        local(KEYS.queue, 0);
      },
      optIn: () => {
        optedOut = false;
        local(KEYS.optOut, 0);
      },
      // The script tag has no use for destroy(); tests and SPAs using the npm package do.
      ...(!__CDN__ && {
        destroy: safe(() => {
          stopped = true;
          queue = [];
          clearTimeout(timer);
          for (const fn of undo) fn();
        }),
      }),
    },
  ) as unknown as Tracker<E>;
  return tracker;
}
