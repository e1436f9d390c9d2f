import { afterEach, beforeEach } from 'vitest';
import { startDashboard, type Dashboard, type DashboardDeps } from '../../src/app.js';
// Vite's ?raw import: the file's text, as shipped.
import page from '../../src/index.html?raw';

/** The dashboard's own markup, static text from index.html. */
const BODY = page.slice(page.indexOf('<body>') + 6, page.indexOf('</body>'));

/**
 * A fresh page for each test (the shipped markup, no screen, empty storage) and the
 * dashboard it starts stopped afterwards. `restart` stops it and resets the markup, for
 * a test that opens the dashboard twice.
 */
export function useDashboardPage(): { start: (deps: DashboardDeps) => Dashboard; restart: () => void } {
  let running: Dashboard | undefined;
  const reset = () => {
    document.body.innerHTML = BODY;
    delete document.body.dataset.screen;
  };
  beforeEach(() => {
    reset();
    localStorage.clear();
  });
  afterEach(() => {
    running?.stop();
    running = undefined;
    history.replaceState(null, '', '/');
  });
  return {
    start: (deps) => (running = startDashboard(deps)),
    restart: () => {
      running?.stop();
      document.body.innerHTML = BODY;
    },
  };
}
