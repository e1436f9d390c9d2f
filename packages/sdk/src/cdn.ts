import { init } from './index.js';

const script = document.currentScript as HTMLScriptElement | null;
if (script) {
  const endpoint = script.dataset.endpoint ?? new URL('/api/events', script.src).href;
  init({ endpoint, siteId: script.dataset.site ?? location.hostname }).pageview();
}
