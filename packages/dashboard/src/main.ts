import { createApiClient, loadConfig } from './api/client.js';
import { startDashboard } from './app.js';
import { createKeyStore } from './state/key-store.js';

async function main(): Promise<void> {
  const config = await loadConfig();
  const keys = createKeyStore();
  const api = createApiClient({ apiBase: config.apiBase, key: () => keys.get() });
  startDashboard({ api, keys, apiBase: config.apiBase });
}

void main();
