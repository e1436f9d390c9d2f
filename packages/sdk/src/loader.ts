import { create } from './tracker.js';
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
  const script = document.currentScript as HTMLScriptElement;
  // data-allow-localhost is data.allowLocalhost, data-respect-dnt data.respectDnt.
  const data = script.dataset;
  const stub = (window as Global).liveinsight;
  // Without a stub's queue, a liveinsight global means this script already ran.
  if (!stub || stub.q) {
    const tracker = ((window as Global).liveinsight = create(
      data.endpoint || new URL('/api/events', script.src),
      data.site || location.hostname,
      'allowLocalhost' in data,
      'hash' in data,
      data.respectDnt != 'false',
      __EXTRAS__
        ? {
            outboundLinks: data.outbound != 'false',
            fileDownloads: data.downloads != 'false',
            engagement: data.engagement != 'false',
            // data-404 marks this page; data-404="false" ignores the meta tag.
            notFound: data[404] != 'false' && (404 in data || !!document.querySelector('meta[name="liveinsight:404"]')),
          }
        : {},
    ));
    // (A stub that is here has its queue: checked above.)
    stub?.q!.map((call) => (tracker as (...args: unknown[]) => void)(...(call as unknown[])));
  }
} catch {}
