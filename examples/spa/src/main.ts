import { debugLog } from './analytics.js';
import { startRouter } from './router.js';
import { createRoutes } from './views.js';

const outlet = document.querySelector<HTMLElement>('#view')!;
const badge = document.querySelector<HTMLElement>('#debug-badge')!;

// The header badge keeps the tracker's state in sight on every route.
const updateBadge = () => {
  const pending = debugLog.pending().length;
  const requests = debugLog.sent().length;
  badge.dataset.pending = String(pending);
  badge.dataset.requests = String(requests);
  badge.textContent = `${pending} queued · ${requests} sent`;
};
debugLog.subscribe(updateBadge);
updateBadge();

let navigate: (path: string) => void = () => {};
const { routes, notFound } = createRoutes((path) => navigate(path));
navigate = startRouter(routes, notFound, outlet);
