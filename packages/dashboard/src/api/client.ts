import type {
  Envelope,
  RealtimeData,
  SitesData,
  StatsData,
} from '@liveinsight/contract';
import { normalizeRealtime, normalizeStats } from './normalize.js';

/** A failed API call. `status` is the HTTP status, or 0 when the API could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The key is missing or wrong: the dashboard asks for it. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface DashboardConfig {
  /** Where the API lives; empty means the dashboard's own origin. */
  apiBase: string;
}

type Fetch = typeof fetch;

/**
 * Reads config.json beside index.html. It is shipped with `{"apiBase": ""}`; a deployment
 * that serves the API from another origin (or an API Gateway stage) rewrites it.
 */
export async function loadConfig(fetchImpl: Fetch = fetch): Promise<DashboardConfig> {
  try {
    const response = await fetchImpl('config.json', { cache: 'no-cache' });
    if (!response.ok) return { apiBase: '' };
    const body = (await response.json()) as Partial<DashboardConfig>;
    const apiBase = typeof body.apiBase === 'string' ? body.apiBase.trim().replace(/\/+$/, '') : '';
    return { apiBase };
  } catch {
    return { apiBase: '' };
  }
}

export interface ApiClient {
  readonly base: string;
  sites(): Promise<SitesData>;
  stats(query: URLSearchParams): Promise<StatsData>;
  realtime(siteId: string, minutes?: number): Promise<RealtimeData>;
}

export interface ApiClientOptions {
  apiBase: string;
  /** Read on every call, so a key entered after start-up is used at once. */
  key: () => string | undefined;
  fetch?: Fetch;
}

export function createApiClient({ apiBase, key, fetch: fetchImpl = (...args) => fetch(...args) }: ApiClientOptions): ApiClient {
  const base = apiBase.replace(/\/+$/, '');

  async function get<T>(path: string, query?: URLSearchParams): Promise<T> {
    const url = `${base}/api/${path}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    const apiKey = key();
    if (apiKey) headers['X-API-Key'] = apiKey;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers, cache: 'no-store' });
    } catch (cause) {
      throw new ApiError(0, `Cannot reach the API at ${base || 'this site'}. Is the collector running?`, { cause });
    }
    let body: Envelope<T> | undefined;
    try {
      body = (await response.json()) as Envelope<T>;
    } catch {
      body = undefined;
    }
    if (body?.status === 'success' && response.ok) return body.data;
    const message =
      body?.status === 'error' && typeof body.message === 'string'
        ? body.message
        : `Unexpected answer from the API (HTTP ${response.status})`;
    throw new ApiError(response.ok ? 502 : response.status, message);
  }

  return {
    base,
    sites: async () => {
      const data = await get<Partial<SitesData>>('sites');
      return { sites: Array.isArray(data.sites) ? data.sites : [] };
    },
    stats: async (query) => normalizeStats(await get<Partial<StatsData>>('stats', query)),
    realtime: async (siteId, minutes = 5) =>
      normalizeRealtime(
        await get<Partial<RealtimeData>>('realtime', new URLSearchParams({ site_id: siteId, minutes: String(minutes) })),
      ),
  };
}
