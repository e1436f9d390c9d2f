import { init } from './tracker.js';
import type { Tracker } from './types.js';

/** The pre-load stub from the README: calls queued in `q` as argument lists. */
type Stub = { q?: ArrayLike<unknown>[] };
type Global = Window & { liveinsight?: Tracker & Stub };

/**
 * The script-tag entry: reads the config once from the script's data-* attributes
 * (boolean attributes are on when present; default-on ones turn off with "false"),
 * starts the tracker, publishes it as `window.liveinsight` and replays what the
 * pre-load stub queued. An unusable environment (no currentScript, no URL) tracks
 * nothing, quietly.
 */
try {
  const doc = document;
  const script = doc.currentScript as HTMLScriptElement;
  const attr = (name: string) => script.getAttribute('data-' + name);
  const stub = (window as Global).liveinsight;
  // Without a stub's queue, a liveinsight global means this script already ran.
  if (!stub || stub.q) {
    const tracker = ((window as Global).liveinsight = init({
      siteId: attr('site') || location.hostname,
      endpoint: attr('endpoint') || new URL('/api/events', script.src),
      allowLocalhost: attr('allow-localhost') != null,
      hashRouting: attr('hash') != null,
      respectDnt: attr('respect-dnt') != 'false',
      ...(__EXTRAS__ && {
        outboundLinks: attr('outbound') != 'false',
        fileDownloads: attr('downloads') != 'false',
        engagement: attr('engagement') != 'false',
        // data-404 marks this page; data-404="false" ignores the meta tag.
        notFound: attr('404') != 'false' && (attr('404') != null || !!doc.querySelector('meta[name="liveinsight:404"]')),
      }),
    }));
    // (A stub that is here has its queue: checked above.)
    stub?.q!.map((call) => (tracker as (...args: unknown[]) => void)(...(call as unknown[])));
  }
} catch {}
