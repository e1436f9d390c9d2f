/** A prop value the collector stores: flat, no objects or arrays. */
export type PropValue = string | number | boolean;

/** Flat props of a custom event: ≤ 30 keys, keys ≤ 64 chars, string values ≤ 500 chars. */
export type Props = Record<string, PropValue>;

/**
 * An app's own events: each name maps to the shape of its props, or to `undefined`
 * for an event without props, e.g. `{ signup: { plan: 'free' | 'pro' }; logout: undefined }`.
 */
export type EventCatalogue<E> = { [Name in keyof E]: { [Key in keyof E[Name]]: PropValue } | undefined };

/** Any event name with any flat props: the catalogue when none is declared. */
export type AnyEvents = Record<string, Props | undefined>;

/** `track(name)` may leave props out only when the catalogue allows `undefined`. */
export type TrackArgs<P> = undefined extends P ? [props?: P] : [props: P];

/** One event as it goes on the wire (DESIGN.md, wire contract). */
export interface TrackerEvent {
  /** `page_view`, `engagement`, `404`, `outbound`, `download` or a custom event name. */
  event_type: string;
  session_id: string;
  /** Unique per event: the collector drops a retried or replayed event it already has. */
  event_id: string;
  /** Milliseconds since the epoch, from this browser's clock (the collector corrects skew with sent_at). */
  timestamp: number;
  /** The full URL, query stripped except utm_*, hash stripped unless hash routing. */
  page_url: string;
  referrer: string;
  site_id: string;
  props?: Props;
  /**
   * `${width}x${height}` and a language tag: not sent by the tracker (they are stored
   * raw for a day and never counted, and narrow a visitor down), but the collector
   * still accepts them, e.g. from imports.
   */
  screen?: string;
  language?: string;
}

export interface InitOptions {
  /** Where events are POSTed, e.g. `https://stats.example.com/api/events`. */
  endpoint: string | URL;
  /** The site these events belong to (its id in the dashboard). */
  siteId: string;
  /** Also record on localhost, 127.0.0.1, [::1] and file: pages. Default false. */
  allowLocalhost?: boolean;
  /** The hash is part of the page (`/#/about`): record hash changes as page views. Default false. */
  hashRouting?: boolean;
  /** Send nothing when the browser signals Global Privacy Control or Do Not Track. Default true. */
  respectDnt?: boolean;
  /** Record a page view on load and on every history navigation. Default true. */
  autoPageviews?: boolean;
  /** Sees every event before it is queued; return it (edited or not) to send it, or null to drop it. */
  beforeSend?: (event: TrackerEvent) => TrackerEvent | null | undefined | false;
  /** Record clicks on links to other hosts as `outbound` {url}. Default false. */
  outboundLinks?: boolean;
  /** Record clicks on file links (pdf, zip, …, or `<a download>`) as `download` {url}. Default false. */
  fileDownloads?: boolean;
  /** This page is a "not found" page: its first page view is sent as a `404` event instead. Default false. */
  notFound?: boolean;
  /** Send `engagement` {engaged_ms, scroll} when the user leaves a page or route. Default false. */
  engagement?: boolean;
}

/** The methods of a tracker (see {@link Tracker}). */
export interface TrackerMethods<E extends EventCatalogue<E> = AnyEvents> {
  /** Records a custom event. An invalid name or props is dropped with a console warning. */
  track<Name extends keyof E & string>(name: Name, ...props: TrackArgs<E[Name]>): void;
  /** Records a page view of the current URL, unless it is the URL of the last page view. */
  pageview(): void;
  /** Sends queued events now instead of waiting for 20 events or 5 seconds. */
  flush(): void;
  /** Stops recording in this browser (a flag in localStorage) and drops unsent events. */
  optOut(): void;
  /** Removes the opt-out flag. */
  optIn(): void;
  /** Removes every listener and the history patch; the tracker then does nothing. npm only. */
  destroy(): void;
}

/**
 * What `init()` returns: the methods, and a function taking a method's name first,
 * `tracker('track', 'signup', { plan: 'pro' })`, the form the pre-load stub queues.
 */
export type Tracker<E extends EventCatalogue<E> = AnyEvents> = TrackerMethods<E> &
  (<Command extends keyof TrackerMethods<E>>(
    command: Command,
    ...args: Parameters<TrackerMethods<E>[Command]>
  ) => void);
